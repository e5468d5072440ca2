using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// The stores beside the mailbox: web sessions, the audit log, server state and the spam filter's
/// counts, through their Core interfaces on each provider.
/// </summary>
public abstract class ServerStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);
    private readonly TestStore _store = new(provider);

    private IWebSessionStore Sessions => _store.Services.GetRequiredService<IWebSessionStore>();
    private IAuditLog Audit => _store.Services.GetRequiredService<IAuditLog>();
    private IServerStateStore State => _store.Services.GetRequiredService<IServerStateStore>();
    private ISpamFilterStore SpamFilter => _store.Services.GetRequiredService<ISpamFilterStore>();

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task SessionsAreFoundUntilTheyExpireOrEndAndTouchingOnlyExtendsThem()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        WebSessionRecord Session(string id, int minutes) => new(id, lucy.Id, Now, Now, Now.AddMinutes(minutes), Persistent: minutes > 60, "192.0.2.1", "test agent");
        await Sessions.CreateAsync(Session("one", 30), default);
        await Sessions.CreateAsync(Session("two", 120) with { RemoteIp = null }, default);
        await Sessions.CreateAsync(Session("three", 5), default);

        Assert.Equal(Session("one", 30), await Sessions.FindActiveAsync("one", Now, default));
        Assert.Null(await Sessions.FindActiveAsync("three", Now.AddMinutes(5), default));
        await Sessions.TouchAsync("one", Now.AddMinutes(1), Now.AddMinutes(20), default);
        await Sessions.TouchAsync("two", Now.AddMinutes(2), Now.AddMinutes(180), default);
        Assert.Equal(Now.AddMinutes(30), (await Sessions.FindActiveAsync("one", Now, default))!.Expires);
        Assert.Equal(["two", "one", "three"], (await Sessions.ListActiveAsync(lucy.Id, Now, default)).Select(s => s.IdHash));
        Assert.Null((await Sessions.FindActiveAsync("two", Now, default))!.RemoteIp);

        Assert.Equal(1, await Sessions.PruneExpiredAsync(Now.AddMinutes(5), default));
        Assert.Equal(1, await Sessions.EndAccountSessionsAsync(lucy.Id, null, keepIdHash: "two", default));
        Assert.Equal(["two"], (await Sessions.ListActiveAsync(lucy.Id, Now, default)).Select(s => s.IdHash));
        Assert.Equal(0, await Sessions.EndAccountSessionsAsync(lucy.Id, "one", null, default));
        await Sessions.EndAsync("two", default);
        await Sessions.EndAsync("two", default);
        Assert.Empty(await Sessions.ListActiveAsync(lucy.Id, Now, default));
    }

    [Fact]
    public async Task TheAuditLogIsSearchedNewestFirstAndPrunedOldestFirst()
    {
        await Audit.WriteAsync("root", "login.failed", "Lucy@a.example", "wrong password", "192.0.2.9", default);
        await Audit.WriteAsync("root", "domain.add", "b.example", "", null, default);
        await Audit.WriteAsync("cli", "50%_off", "c.example", new string('d', 5000), null, default);

        var lucy = await Audit.QueryAsync("LUCY", 0, 10, default);
        Assert.Equal(("login.failed", "192.0.2.9"), (lucy.Items.Single().Action, lucy.Items.Single().RemoteIp));
        Assert.Equal(["50%_off"], (await Audit.QueryAsync("%_", 0, 10, default)).Items.Select(e => e.Action));
        var all = await Audit.QueryAsync(null, 0, 2, default);
        Assert.Equal((3L, new[] { "50%_off", "domain.add" }), (all.Total, all.Items.Select(e => e.Action).ToArray()));
        Assert.Equal(new string('d', 1000) + "...[+4000 chars]", all.Items[0].Detail);
        Assert.Equal(1, await Audit.CountSinceAsync("domain.add", DateTimeOffset.UtcNow.AddMinutes(-5), default));

        Assert.Equal(2, await Audit.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1), 2, default));
        Assert.Equal(["50%_off"], (await Audit.QueryAsync(null, 0, 10, default)).Items.Select(e => e.Action));
    }

    [Fact]
    public async Task SettingsAreReplacedAndMailEventsAddUpPerBucket()
    {
        Assert.Null(await State.GetSettingAsync("greeting", default));
        await State.SetSettingAsync("greeting", "hello", default);
        await State.SetSettingAsync("greeting", "hello again", default);
        Assert.Equal("hello again", await State.GetSettingAsync("greeting", default));

        await State.RecordMailEventAsync(MailEventKind.Received, 2, default);
        await State.RecordMailEventAsync(MailEventKind.Received, 3, default);
        await State.RecordMailEventAsync(MailEventKind.Sent, 1, default);
        var events = await State.GetMailEventsAsync(DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(1), default);
        Assert.Equal(5, events.Where(e => e.Kind == MailEventKind.Received).Sum(e => e.Count));
        Assert.Equal(1, events.Where(e => e.Kind == MailEventKind.Sent).Sum(e => e.Count));
        Assert.All(events, e => Assert.Equal(0, e.Bucket.ToUnixTimeSeconds() % 86_400));

        var (messages, bytes, databaseBytes) = await State.GetTotalsAsync(default);
        Assert.Equal((0L, 0L), (messages, bytes));
        Assert.True(databaseBytes > 0);
    }

    [Fact]
    public async Task FilterOutcomesAreCountedPerDayUnderBoundedKeys()
    {
        await SpamFilter.CountFilterOutcomeAsync("rejected", "dmarc", default);
        await SpamFilter.CountFilterOutcomeAsync("Rejected", "DMARC", default);
        await SpamFilter.CountFilterOutcomeAsync("tempfailed", "rspamd; DROP TABLE x" + new string('z', 100), default);

        var counts = await SpamFilter.GetFilterCountsAsync(DateTimeOffset.UtcNow, default);
        Assert.Equal([("rejected", "dmarc", 2L), ("tempfailed", "rspamddroptablex" + new string('z', 16), 1L)], counts.Select(c => (c.Outcome, c.Reason, c.Count)));
        Assert.Empty(await SpamFilter.GetFilterCountsAsync(DateTimeOffset.UtcNow.AddDays(1), default));
    }
}

public sealed class ServerStoreTestsOnSqlite() : ServerStoreTests(StoreProvider.Sqlite);
public sealed class ServerStoreTestsOnPostgres() : ServerStoreTests(StoreProvider.Postgres);
