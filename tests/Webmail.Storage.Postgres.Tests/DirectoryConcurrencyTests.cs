using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Postgres.Tests;

/// <summary>
/// What only PostgreSQL has: writers that really run at once (SQLite's one writer serialises every unit). Each test starts
/// its writers together on pooled connections and checks that the store's rules still hold when they race.
/// </summary>
public sealed class DirectoryConcurrencyTests : IAsyncLifetime
{
    private const int Writers = 8;
    private readonly TestStore _store = new(StoreProvider.Postgres);

    private IDirectoryStore Directory => _store.Directory;

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static AuditRecord Audit(string action) => new("test", action, "race");

    /// <summary>
    /// Makes every statement of <paramref name="timing"/> (e.g. <c>BEFORE INSERT ON accounts FOR EACH ROW WHEN (…)</c>) wait
    /// <paramref name="seconds"/> inside the writer's transaction: a trigger of the test's own database, so the window between a
    /// unit's check and its commit is wide enough that racing writers are all inside it at once. Without the store's lock they
    /// would then all pass the check; with it they wait for each other.
    /// </summary>
    private void Slow(string name, string timing, double seconds)
    {
        using var connection = _store.Services.GetRequiredService<PostgresDatabase>().DataSource.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep({seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}); RETURN NULL; END $$; " +
            $"CREATE TRIGGER {name} {timing} EXECUTE FUNCTION {name}()";
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task ADomainChangeIsSeenAtOnceOnItsNodeAndSoonOnAnother()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webmail:Store:Provider"] = "postgres",
            ["Webmail:Store:ConnectionString"] = _store.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Webmail:Store:ConnectionString"],
        };
        await using var other = new TestStoreAt(_store.DataDirectory, settings);
        // Both nodes have read the domains (the one they hold a copy of) before the change.
        Assert.Null(await Directory.FindDomainAsync("new.example", default));
        Assert.Null(await other.Directory.FindDomainAsync("new.example", default));

        await Directory.AddDomainAsync("new.example", Audit("domain.add"), default);
        Assert.NotNull(await Directory.FindDomainAsync("NEW.example", default));
        await Directory.SetDkimKeyAsync("new.example", "s1", "key", Audit("dkim"), default);
        Assert.Equal("s1", (await Directory.FindDomainAsync("new.example", default))!.DkimSelector);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (await other.Directory.FindDomainAsync("new.example", default) is not { DkimSelector: "s1" })
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "The other node never saw the new domain.");
            await Task.Delay(50);
        }
        await Directory.RemoveDomainAsync("new.example", Audit("domain.remove"), default);
        Assert.Null(await Directory.FindDomainAsync("new.example", default));
    }

    /// <summary>Runs <paramref name="writer"/> <see cref="Writers"/> times at once (released together) and returns each outcome.</summary>
    private static async Task<List<(T? Result, Exception? Error)>> RaceAsync<T>(Func<int, Task<T>> writer)
    {
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, Writers).Select(i => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                return ((T?)await writer(i), (Exception?)null);
            }
            catch (Exception e)
            {
                return (default(T), e);
            }
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(tasks)];
    }

    [Fact]
    public async Task WritersCreatingTheSameAccountAtOnceGetOneSuccessAndDuplicateErrors()
    {
        await _store.DirectoryService.AddDomainAsync("a.example", "t", default);

        var outcomes = await RaceAsync(i => Directory.CreateAccountAsync(i % 2 == 0 ? "lucy@a.example" : "LUCY@A.example", "Lucy", "hash", false, 0, Audit("account.add"), default));

        Assert.Single(outcomes, o => o.Error is null);
        Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.EndsWith("is already in use.", Assert.IsType<StoreException>(o.Error).Message));
        Assert.Equal(1, await Directory.CountAccountsAsync(default));
        var lucy = outcomes.Single(o => o.Error is null).Result!;
        Assert.Equal(6, (await _store.Messages.GetFoldersAsync(lucy.Id, default)).Count);
    }

    [Fact]
    public async Task AnAccountAndAnAliasClaimingOneAddressAtOnceCannotBothHaveIt()
    {
        await _store.CreateAccountAsync("betty@a.example");
        // The claim is "no account or alias has the name (check), then insert": hold each insert a moment, so every writer checks
        // before any commits. Only the name lock (PostgresLocks.ClaimNameAsync) keeps the second from passing its check.
        Slow("slow_account_insert", "AFTER INSERT ON accounts FOR EACH ROW WHEN (NEW.address = 'team@a.example')", 0.3);
        Slow("slow_alias_insert", "AFTER INSERT ON aliases FOR EACH ROW WHEN (NEW.address = 'team@a.example')", 0.3);

        var outcomes = await RaceAsync<object>(async i => i % 2 == 0
            ? await Directory.CreateAccountAsync("team@a.example", "Team", "hash", false, 0, Audit("account.add"), default)
            : await Directory.SetAliasAsync("team@a.example", ["betty@a.example"], Audit("alias.set"), default));

        Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.IsType<StoreException>(o.Error));
        var isAccount = await Directory.FindAccountAsync("team@a.example", default) is not null;
        var isAlias = (await Directory.ListAliasesAsync(default)).Any(a => a.Address == "team@a.example");
        Assert.True(isAccount ^ isAlias, $"account: {isAccount}, alias: {isAlias}");
        Assert.Equal(isAccount ? 1 : Writers / 2, outcomes.Count(o => o.Error is null));
    }

    [Fact]
    public async Task APerAccountLimitHoldsWhenWritersAddAtOnce()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        var passwords = _store.Services.GetRequiredService<IAppPasswordStore>();

        var outcomes = await RaceAsync(i => passwords.AddAppPasswordAsync(lucy.Id, $"device {i}", $"hash {i}", AppPasswordProtocols.All, limit: 3, Audit("apppassword.add"), default));

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(3, outcomes.Count(o => o.Result is not null));
        Assert.Equal(3, (await passwords.ListAppPasswordsAsync(lucy.Id, default)).Count);
    }

    [Fact]
    public async Task ActivatingDifferentSieveScriptsAtOnceLeavesExactlyOneActive()
    {
        var lucy = await _store.CreateAccountAsync("lucy@a.example");
        var sieve = _store.Services.GetRequiredService<ISieveScriptStore>();
        for (var i = 0; i < Writers; i++)
            Assert.True(await sieve.PutSieveScriptAsync(lucy.Id, $"s{i}", "keep;", Writers, Audit("sieve.put"), default));

        var outcomes = await RaceAsync(i => sieve.SetActiveSieveScriptAsync(lucy.Id, $"s{i}", Audit("sieve.activate"), default));

        Assert.All(outcomes, o => Assert.Equal((true, null), (o.Result, o.Error)));
        Assert.Single(await sieve.ListSieveScriptsAsync(lucy.Id, default), s => s.IsActive);
    }

    [Fact]
    public async Task CountersUpdatedAtOnceAddUp()
    {
        var spam = _store.Services.GetRequiredService<ISpamFilterStore>();
        var state = _store.Services.GetRequiredService<IServerStateStore>();

        var outcomes = await RaceAsync(async i =>
        {
            await spam.CountFilterOutcomeAsync("rejected", "dmarc", default);
            await state.RecordMailEventAsync(MailEventKind.Received, 2, default);
            return i;
        });

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(Writers, (await spam.GetFilterCountsAsync(DateTimeOffset.UtcNow, default)).Single().Count);
        Assert.Equal(2 * Writers, (await state.GetMailEventsAsync(DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromHours(1), default)).Sum(e => e.Count));
    }

    [Fact]
    public async Task TheEntriesOfOneMessageCompletedAtOnceLeaveNoMessageBehind()
    {
        var queue = _store.Services.GetRequiredService<IOutboundQueueStore>();
        var raw = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nx\r\n");
        var envelope = new OutboundEnvelope("lucy@a.example", Enumerable.Range(0, Writers).Select(i => $"x@d{i}.example").ToList(), null);
        var ids = await queue.EnqueueAsync(raw, envelope, default);
        var messageId = (await queue.GetAsync(ids[0], default))!.MessageId;
        // Each completion deletes its entry, then deletes the message if no entry is left (check), then commits. Hold every
        // writer after its check: all check while the others' deletes are still uncommitted, and without the row lock on the
        // message each would see another's entry and leave the message behind. (A statement trigger fires on a DELETE of no rows too.)
        Slow("slow_message_delete", "AFTER DELETE ON outbound_messages FOR EACH STATEMENT", 0.3);

        var outcomes = await RaceAsync(async i =>
        {
            await queue.CompleteAsync(ids[i], null, default);
            return i;
        });

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(0, await queue.CountAsync(default));
        Assert.Null(await queue.GetMessageAsync(messageId, default));
    }
}
