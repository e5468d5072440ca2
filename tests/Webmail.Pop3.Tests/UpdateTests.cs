using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>The UPDATE state (RFC 1939 §6) and the account's delete policy; everything else deletes nothing.</summary>
public abstract class UpdateTests(StoreProvider provider)
{
    private async Task<Pop3TestHost> StartWithTwoMessagesAsync(IDictionary<string, string?>? settings = null, Action<Pop3ServerContext>? configure = null)
    {
        var host = await Pop3TestHost.StartAsync(provider, settings, configure: configure);
        await host.AppendAsync(TestMessages.Simple(subject: "first"));
        await host.AppendAsync(TestMessages.Simple(subject: "second"));
        return host;
    }

    [Fact]
    public async Task DeleThenDroppedConnectionKeepsEverything()
    {
        await using var host = await StartWithTwoMessagesAsync();
        var client = await host.LoginAsync();
        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
        await client.MultilineAsync("RETR 2");

        await client.DisposeAsync();
        await AuthorizationTests.WaitUntilAsync(() => !host.Context.Locks.IsHeld(host.Account.Id));

        var inbox = await host.ListAsync(SpecialFolder.Inbox);
        Assert.Equal(["first", "second"], inbox.Select(m => m.Subject));
        Assert.All(inbox, m => Assert.False(m.IsSeen));
    }

    [Fact]
    public async Task DeleRsetQuitKeepsEverything()
    {
        await using var host = await StartWithTwoMessagesAsync();
        await using var client = await host.LoginAsync();

        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
        Assert.Equal("+OK Message 2 deleted", await client.CommandAsync("DELE 2"));
        Assert.StartsWith("+OK Maildrop has 2 messages", await client.CommandAsync("RSET"));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedByServerAsync());

        Assert.Equal(2, (await host.ListAsync(SpecialFolder.Inbox)).Count);
    }

    [Theory]
    [InlineData(Pop3DeletePolicy.Delete)]
    [InlineData(Pop3DeletePolicy.Trash)]
    [InlineData(Pop3DeletePolicy.Keep)]
    public async Task DeleQuitFollowsTheAccountsDeletePolicy(Pop3DeletePolicy policy)
    {
        await using var host = await StartWithTwoMessagesAsync();
        await host.Store.DirectoryService.UpdateAccountAsync(Pop3TestHost.Address, "", false, 0, policy, "test", default);
        await using var client = await host.LoginAsync();

        await client.MultilineAsync("RETR 2");
        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedByServerAsync());

        var inbox = await host.ListAsync(SpecialFolder.Inbox);
        var trash = await host.ListAsync(SpecialFolder.Trash);
        switch (policy)
        {
            case Pop3DeletePolicy.Delete:
                Assert.Equal(["second"], inbox.Select(m => m.Subject));
                Assert.Empty(trash);
                break;
            case Pop3DeletePolicy.Trash:
                Assert.Equal(["second"], inbox.Select(m => m.Subject));
                Assert.Equal(["first"], trash.Select(m => m.Subject));
                break;
            case Pop3DeletePolicy.Keep:
                Assert.Equal(["first", "second"], inbox.Select(m => m.Subject));
                Assert.True(inbox[0].IsSeen);
                break;
        }
        // RETR marks the message \Seen for the web UI once the session commits.
        Assert.True(inbox.Single(m => m.Subject == "second").IsSeen);
    }

    [Fact]
    public async Task QuitWithoutChangesLeavesFlagsAlone()
    {
        await using var host = await StartWithTwoMessagesAsync();
        await using var client = await host.LoginAsync();

        await client.MultilineAsync("TOP 1 0");
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedByServerAsync());

        Assert.All(await host.ListAsync(SpecialFolder.Inbox), m => Assert.False(m.IsSeen));
    }

    [Fact]
    public async Task IdleSessionIsLoggedOutWithoutDeleting()
    {
        await using var host = await StartWithTwoMessagesAsync(new Dictionary<string, string?> { ["Webmail:Limits:Pop3IdleTimeout"] = "00:00:00.500" });
        await using var client = await host.LoginAsync();
        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));

        Assert.Equal("-ERR Autologout; idle for too long", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync());

        await AuthorizationTests.WaitUntilAsync(() => !host.Context.Locks.IsHeld(host.Account.Id));
        Assert.Equal(2, (await host.ListAsync(SpecialFolder.Inbox)).Count);
    }

    [Fact]
    public async Task DisabledAccountLosesAnOpenSessionWithoutDeleting()
    {
        await using var host = await StartWithTwoMessagesAsync(configure: c => c.AccountCheckInterval = TimeSpan.Zero);
        await using var client = await host.LoginAsync();
        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));

        await host.Store.DirectoryService.SetDisabledAsync(Pop3TestHost.Address, true, "test", default);

        Assert.Equal("-ERR [AUTH] Account disabled", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedByServerAsync());
        Assert.Equal(2, (await host.ListAsync(SpecialFolder.Inbox)).Count);

        await using var again = await host.ConnectAsync();
        Assert.Equal("+OK", await again.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.Equal("-ERR [AUTH] Authentication failed", await again.CommandAsync("PASS " + Pop3TestHost.Password));
    }

    [Fact]
    public async Task DisabledAccountIsCutOffAtTheNextCommandOnceTheCheckIsDue()
    {
        await using var host = await StartWithTwoMessagesAsync(configure: c => c.AccountCheckInterval = TimeSpan.FromMilliseconds(200));
        await using var client = await host.LoginAsync();
        Assert.StartsWith("+OK 2 ", await client.CommandAsync("STAT"));

        await host.Store.DirectoryService.SetDisabledAsync(Pop3TestHost.Address, true, "test", default);
        await Task.Delay(300);

        Assert.Equal("-ERR [AUTH] Account disabled", await client.CommandAsync("STAT"));
        Assert.True(await client.IsClosedByServerAsync());
    }
}

public sealed class UpdateTestsOnSqlite() : UpdateTests(StoreProvider.Sqlite);
public sealed class UpdateTestsOnPostgres() : UpdateTests(StoreProvider.Postgres);
