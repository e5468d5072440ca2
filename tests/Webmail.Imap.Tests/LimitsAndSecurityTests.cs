using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Imap;
using MailKit.Security;
using Webmail.Testing;

namespace Webmail.Imap.Tests;

/// <summary>Session limits, timers and where plaintext passwords are accepted, each against a server configured for it.</summary>
public sealed class LimitsAndSecurityTests
{
    [Fact]
    public async Task WithoutTlsOffLoopbackRulesLoginIsDisabledUntilStartTls()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Security:AllowPlaintextAuthOnLoopback"] = "false" });
        var account = await server.CreateAccountAsync("tls@local.example", ImapServerFixture.Password);
        await using (var imap = await ImapTranscript.ConnectAsync(server.ImapPort))
        {
            Assert.EndsWith("STARTTLS LOGINDISABLED] localhost IMAP ready", imap.Greeting);
            Assert.Equal("NO [PRIVACYREQUIRED] LOGIN is disabled until TLS is negotiated (STARTTLS)", (await imap.CommandAsync($"LOGIN {account.Address} \"{ImapServerFixture.Password}\"")).Status);
            Assert.Equal("NO [PRIVACYREQUIRED] Plaintext authentication is disabled until TLS is negotiated (STARTTLS)", (await imap.CommandAsync("AUTHENTICATE PLAIN AGFiYwBkZWY=")).Status);
        }
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", server.ImapPort, SecureSocketOptions.StartTls);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        await client.AuthenticateAsync(account.Address, ImapServerFixture.Password);
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task CommandsPipelinedAfterStartTlsEndTheSession()
    {
        await using var server = await TestServer.StartAsync();
        await using var imap = await ImapTranscript.ConnectAsync(server.ImapPort);
        await imap.SendAsync("a1 STARTTLS\r\na2 LOGIN x y\r\n");
        Assert.Equal("* BYE Commands were sent after STARTTLS before the TLS negotiation", await imap.ReadLineAsync());
        Assert.True(await imap.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ImplicitTlsListenerServesMailKit()
    {
        var port = FreePort.Next();
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:ImapTls:Endpoint"] = $"127.0.0.1:{port}" });
        var account = await server.CreateAccountAsync("implicit@local.example", ImapServerFixture.Password);
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.SslOnConnect);
        Assert.False(client.Capabilities.HasFlag(ImapCapabilities.StartTLS));
        await client.AuthenticateAsync(account.Address, ImapServerFixture.Password);
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Equal(0, client.Inbox.Count);
    }

    [Fact]
    public async Task SessionsPerAccountAndAddressAndUnauthenticatedConnectionsAreBounded()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Limits:MaxImapSessionsPerAccountAndIp"] = "2",
            ["Webmail:Limits:MaxImapUnauthenticatedPerIp"] = "3",
        });
        var account = await server.CreateAccountAsync("busy@local.example", ImapServerFixture.Password);
        var other = await server.CreateAccountAsync("other@local.example", ImapServerFixture.Password);

        await using var first = await ImapTranscript.LoginAsync(server.ImapPort, account.Address);
        await using var second = await ImapTranscript.LoginAsync(server.ImapPort, account.Address);
        await using var third = await ImapTranscript.ConnectAsync(server.ImapPort);
        Assert.Equal("NO [LIMIT] Too many sessions for this account from this address", (await third.CommandAsync($"LOGIN {account.Address} \"{ImapServerFixture.Password}\"")).Status);
        // Another account from the same address is not capped by the first one's sessions.
        Assert.StartsWith("OK", (await third.CommandAsync($"LOGIN {other.Address} \"{ImapServerFixture.Password}\"")).Status);

        // Connections that have not logged in: three allowed from one address, the fourth is turned away.
        await using var a = await ImapTranscript.ConnectAsync(server.ImapPort);
        await using var b = await ImapTranscript.ConnectAsync(server.ImapPort);
        await using var c = await ImapTranscript.ConnectAsync(server.ImapPort);
        await using var refused = await ImapTranscript.ConnectAsync(server.ImapPort);
        Assert.Equal("* BYE Too many connections, try again later", refused.Greeting);
        Assert.True(await refused.IsClosedAsync(TimeSpan.FromSeconds(5)));

        // A connection that goes frees its place; so does a session that logs out.
        await a.DisposeAsync();
        await first.CommandAsync("LOGOUT");
        await using var again = await ConnectWhenAdmittedAsync(server.ImapPort);
        Assert.StartsWith("OK", (await again.CommandAsync($"LOGIN {account.Address} \"{ImapServerFixture.Password}\"")).Status);
    }

    /// <summary>Connects until the server greets with OK (places are freed as the server notices closed connections).</summary>
    private static async Task<ImapTranscript> ConnectWhenAdmittedAsync(int port)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(50))
        {
            var imap = await ImapTranscript.ConnectAsync(port);
            if (imap.Greeting.StartsWith("* OK", StringComparison.Ordinal))
                return imap;
            await imap.DisposeAsync();
            Assert.True(DateTime.UtcNow < deadline, "no place was freed within 10 s");
        }
    }

    [Fact]
    public async Task IdleWithoutDoneEndsAtTheAutologoutTimer()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:ImapIdleTimeout"] = "00:00:02" });
        var account = await server.CreateAccountAsync("idler@local.example", ImapServerFixture.Password);
        await using var imap = await ImapTranscript.LoginAsync(server.ImapPort, account.Address);
        await imap.CommandAsync("SELECT INBOX");
        await imap.SendAsync("a9 IDLE\r\n");
        Assert.Equal("+ idling", await imap.ReadLineAsync());
        Assert.Equal("* BYE Autologout; idle for too long", await imap.ReadLineAsync());
        Assert.True(await imap.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }
}
