using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// The classic open-relay probes (the shapes nmap's smtp-open-relay script tries) against the
/// inbound port without AUTH: none may be accepted (RFC 5321 §3.6.1 source routes, §3.6.2 relaying).
/// </summary>
public sealed class OpenRelayTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await _server.CreateAccountAsync("user@local.example");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("user@other.example")]
    [InlineData("user%other.example@local.example")]
    [InlineData("\"user@other.example\"@local.example")]
    [InlineData("@local.example:user@other.example")]
    [InlineData("@local.example,@relay.example:user@other.example")]
    [InlineData("other.example!user@local.example")]
    [InlineData("user@other.example@local.example")]
    [InlineData("user@[127.0.0.1]")]
    [InlineData("user@[IPv6:::1]")]
    [InlineData("\"user%other.example\"@local.example")]
    [InlineData("user@other.example.")]
    [InlineData("user@local.example.other.example")]
    [InlineData("USER%OTHER.EXAMPLE@LOCAL.EXAMPLE")]
    public async Task RelayProbeIsRefusedWithPermanentFailure(string recipient)
    {
        var (client, greeting) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using var _ = client;
        Assert.Equal(220, RawSmtp.Code(greeting));
        Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("EHLO probe.example")));
        Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("MAIL FROM:<probe@remote.example>")));

        var reply = await client.CommandAsync($"RCPT TO:<{recipient}>");

        // 550 5.7.1 for routing tricks the server parses; 501/502/553 when the library refuses the syntax first.
        Assert.Contains(RawSmtp.Code(reply), new[] { 550, 553, 501, 502 });
        // And the session stays usable: a real local recipient is still accepted.
        Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("RCPT TO:<user@local.example>")));
    }

    [Fact]
    public async Task RemoteDomainIsRefusedWith550RelayDenied()
    {
        var (client, _) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using var __ = client;
        await client.CommandAsync("EHLO probe.example");
        await client.CommandAsync("MAIL FROM:<probe@remote.example>");

        var reply = await client.CommandAsync("RCPT TO:<user@other.example>");

        Assert.StartsWith("550 5.7.1", reply);
    }
}
