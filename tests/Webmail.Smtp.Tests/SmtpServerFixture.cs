using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>One whole server for a test class, with a local domain, a few accounts and an alias, on SQLite (or, as
/// <see cref="SmtpServerFixtureOnPostgres"/>, on a PostgreSQL database of its own).</summary>
public class SmtpServerFixture : IAsyncLifetime
{
    protected virtual StoreProvider Provider => StoreProvider.Sqlite;

    public const string Password = "correct horse";
    public TestServer Server { get; private set; } = null!;
    public Account User { get; private set; } = null!;
    public Account Other { get; private set; } = null!;
    public Account Admin { get; private set; } = null!;
    public Account Full { get; private set; } = null!;
    /// <summary>The server's resolver (SPF, DKIM, DMARC): empty, so every name is NXDOMAIN unless a test adds records.</summary>
    public LoopbackDnsServer Dns { get; } = new();
    /// <summary>Where mail for <c>remote.example</c> goes: a host that is down, so submitted remote mail stays queued
    /// (without the route the empty resolver makes the domain unroutable and the queue bounces it at once).</summary>
    private readonly RefusingPort _remote = new();

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Hostname"] = "mx.local.example", ["Webmail:Dns:Servers:0"] = Dns.Endpoint,
            ["Webmail:Delivery:Routes:remote.example"] = _remote.Endpoint }, provider: Provider);
        Admin = await Server.CreateAccountAsync("admin@local.example", Password, admin: true);
        User = await Server.CreateAccountAsync("user@local.example", Password);
        Other = await Server.CreateAccountAsync("other@local.example", Password);
        Full = await Server.CreateAccountAsync("full@local.example", Password, quota: 1);
        var inbox = await Server.Messages.GetSpecialFolderAsync(Full.Id, SpecialFolder.Inbox, default);
        await Server.Messages.AppendAsync(Full.Id, inbox.Id, TestMessages.Simple(to: "full@local.example"), MessageFlags.None, enforceQuota: false);
        var directory = Server.Services.GetRequiredService<DirectoryService>();
        await directory.SetAliasAsync("team@local.example", ["user@local.example", "other@local.example"], "test", default);
        await directory.SetAliasAsync("me@local.example", ["user@local.example"], "test", default);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Dns.Dispose();
        _remote.Dispose();
    }

    /// <summary>Messages in an account's INBOX whose subject contains <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<MessageSummary>> InboxAsync(Account account, string subject, SpecialFolder folder = SpecialFolder.Inbox)
    {
        var box = await Server.Messages.GetSpecialFolderAsync(account.Id, folder, default);
        var page = await Server.Messages.ListAsync(account.Id, box.Id, 0, 500, MessageSort.DateDescending, default);
        return page.Items.Where(m => m.Subject.Contains(subject, StringComparison.Ordinal)).ToList();
    }
}

/// <summary>The same server and accounts on PostgreSQL: the end-to-end tests whose outcome depends on the store run on both.</summary>
public sealed class SmtpServerFixtureOnPostgres : SmtpServerFixture
{
    protected override StoreProvider Provider => StoreProvider.Postgres;
}
