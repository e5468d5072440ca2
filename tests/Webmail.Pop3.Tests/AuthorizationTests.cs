using System.Text;

namespace Webmail.Pop3.Tests;

/// <summary>The AUTHORIZATION state: greeting, CAPA, USER/PASS, AUTH PLAIN and their failures.</summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private Pop3TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await Pop3TestHost.StartAsync(new Dictionary<string, string?> { ["Webmail:Hostname"] = "pop.local.example" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Plain(string authzid, string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authzid}\0{user}\0{password}"));

    [Fact]
    public async Task GreetsWithHostnameAndListsCapabilitiesOnLoopback()
    {
        await using var client = await _host.ConnectAsync();

        var (status, lines) = await client.MultilineAsync("CAPA");

        Assert.Equal("+OK pop.local.example POP3 ready", client.Greeting);
        Assert.Equal("+OK Capability list follows", status);
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL PLAIN", "STLS", "IMPLEMENTATION Webmail"], lines);
    }

    [Fact]
    public async Task UserPassLogsInAndQuitSaysBye()
    {
        await _host.AppendAsync(TestMessagesOf("one"));
        await using var client = await _host.ConnectAsync();

        Assert.Equal("+OK", await client.CommandAsync("USER " + Pop3TestHost.Address));
        var size = (await _host.Messages.GetMaildropAsync(_host.Account.Id, default))[0].Size;
        Assert.Equal($"+OK Maildrop has 1 message ({size} octets)", await client.CommandAsync("PASS " + Pop3TestHost.Password));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task UnknownUserAndWrongPasswordGetTheSameReply()
    {
        await using var client = await _host.ConnectAsync();

        Assert.Equal("+OK", await client.CommandAsync("USER nobody@local.example"));
        var unknown = await client.CommandAsync("PASS " + Pop3TestHost.Password);
        Assert.Equal("+OK", await client.CommandAsync("USER " + Pop3TestHost.Address));
        var wrong = await client.CommandAsync("PASS wrong password");

        Assert.Equal("-ERR [AUTH] Authentication failed", unknown);
        Assert.Equal(unknown, wrong);
    }

    [Fact]
    public async Task PassWithoutUserAndTransactionCommandsBeforeLoginAreRefused()
    {
        await using var client = await _host.ConnectAsync();

        Assert.Equal("-ERR USER first", await client.CommandAsync("PASS x"));
        Assert.Equal("-ERR Log in first", await client.CommandAsync("STAT"));
        Assert.Equal("-ERR Log in first", await client.CommandAsync("RETR 1"));
        Assert.Equal("-ERR Unknown command", await client.CommandAsync("APOP user 0123456789abcdef0123456789abcdef"));
        Assert.Equal("-ERR Syntax error", await client.CommandAsync("USER"));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task PasswordMayContainSpaces()
    {
        var account = await _host.Store.CreateAccountAsync("spaces@local.example", "pass with  spaces ");
        await using var client = await _host.ConnectAsync();

        Assert.Equal("+OK", await client.CommandAsync("USER spaces@local.example"));
        Assert.Equal("+OK Maildrop has 0 messages (0 octets)", await client.CommandAsync("PASS pass with  spaces "));
        Assert.NotEqual(0, account.Id);
    }

    [Fact]
    public async Task AuthPlainWithInitialResponseLogsIn()
    {
        await using var client = await _host.ConnectAsync();

        var reply = await client.CommandAsync("AUTH PLAIN " + Plain("", Pop3TestHost.Address, Pop3TestHost.Password));

        Assert.Equal("+OK Maildrop has 0 messages (0 octets)", reply);
        Assert.Equal("+OK 0 0", await client.CommandAsync("STAT"));
    }

    [Fact]
    public async Task AuthPlainWithoutInitialResponseAsksWithAnEmptyChallenge()
    {
        await using var client = await _host.ConnectAsync();

        Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
        var reply = await client.CommandAsync(Plain(Pop3TestHost.Address, Pop3TestHost.Address, Pop3TestHost.Password));

        Assert.Equal("+OK Maildrop has 0 messages (0 octets)", reply);
    }

    [Fact]
    public async Task AuthPlainCanBeCancelledAndRejectsBadResponses()
    {
        await using var client = await _host.ConnectAsync();

        Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
        Assert.Equal("-ERR Authentication cancelled", await client.CommandAsync("*"));
        Assert.Equal("-ERR Invalid SASL PLAIN response", await client.CommandAsync("AUTH PLAIN not*base64"));
        Assert.Equal("-ERR Invalid SASL PLAIN response", await client.CommandAsync("AUTH PLAIN " + Plain("other@local.example", Pop3TestHost.Address, Pop3TestHost.Password)));
        Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync("AUTH PLAIN " + Plain("", Pop3TestHost.Address, "wrong")));
        Assert.Equal("-ERR Unsupported authentication mechanism", await client.CommandAsync("AUTH CRAM-MD5"));
        var (status, lines) = await client.MultilineAsync("AUTH");
        Assert.Equal("+OK Mechanisms follow", status);
        Assert.Equal(["PLAIN"], lines);
    }

    [Fact]
    public async Task LoginCommandsAfterLoginAreRefused()
    {
        await using var client = await _host.LoginAsync();

        Assert.Equal("-ERR Already logged in", await client.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.Equal("-ERR Already logged in", await client.CommandAsync("STLS"));
        var (_, lines) = await client.MultilineAsync("CAPA");
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION Webmail"], lines);
    }

    [Fact]
    public async Task SecondLoginToTheSameMaildropIsInUse()
    {
        await using var first = await _host.LoginAsync();
        await using var second = await _host.ConnectAsync();

        Assert.Equal("+OK", await second.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.Equal("-ERR [IN-USE] Maildrop is locked by another session", await second.CommandAsync("PASS " + Pop3TestHost.Password));
        Assert.Equal("+OK Bye", await first.CommandAsync("QUIT"));
        Assert.True(await first.IsClosedByServerAsync());

        // The lock goes with the first session; the second client, still in AUTHORIZATION, may now log in.
        Assert.Equal("+OK", await second.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.StartsWith("+OK Maildrop has", await second.CommandAsync("PASS " + Pop3TestHost.Password));
    }

    [Fact]
    public async Task LockIsReleasedWhenAConnectionDrops()
    {
        var first = await _host.LoginAsync();
        await first.DisposeAsync();

        await WaitUntilAsync(() => !_host.Context.Locks.IsHeld(_host.Account.Id));
        await using var second = await _host.LoginAsync();
        Assert.Equal("+OK", await second.CommandAsync("NOOP"));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
            await Task.Delay(25);
        Assert.True(condition());
    }

    private static byte[] TestMessagesOf(string subject) => Webmail.Testing.TestMessages.Simple(subject: subject);
}
