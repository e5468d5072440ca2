namespace Webmail.Pop3.Tests;

/// <summary>STLS (RFC 2595), implicit TLS, and the rule that plaintext logins need TLS off loopback.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private Pop3TestHost _host = null!;

    // Loopback counts as "not loopback" here, so the TLS-only rules can be seen over a loopback socket.
    public async Task InitializeAsync() =>
        _host = await Pop3TestHost.StartAsync(new Dictionary<string, string?> { ["Webmail:Security:AllowPlaintextAuthOnLoopback"] = "false" }, implicitTls: true);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WithoutTlsCapaOmitsUserAndLoginIsRefused()
    {
        await using var client = await _host.ConnectAsync();

        var (_, lines) = await client.MultilineAsync("CAPA");

        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS", "IMPLEMENTATION Webmail"], lines);
        Assert.Equal("-ERR [AUTH] Plaintext authentication disallowed on non-secure connections", await client.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.Equal("-ERR [AUTH] Plaintext authentication disallowed on non-secure connections", await client.CommandAsync("PASS " + Pop3TestHost.Password));
        Assert.Equal("-ERR [AUTH] Plaintext authentication disallowed on non-secure connections", await client.CommandAsync("AUTH PLAIN AHVzZXJAbG9jYWwuZXhhbXBsZQBjb3JyZWN0IGhvcnNl"));
    }

    [Fact]
    public async Task AfterStlsCapaListsUserAndLoginWorks()
    {
        await using var client = await _host.ConnectAsync();

        Assert.Equal("+OK Begin TLS negotiation", await client.CommandAsync("STLS"));
        await client.StartTlsAsync();
        var (_, lines) = await client.MultilineAsync("CAPA");

        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL PLAIN", "IMPLEMENTATION Webmail"], lines);
        Assert.Equal("-ERR Already using TLS", await client.CommandAsync("STLS"));
        Assert.Equal("+OK", await client.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.Equal("+OK Maildrop has 0 messages (0 octets)", await client.CommandAsync("PASS " + Pop3TestHost.Password));
    }

    [Fact]
    public async Task CommandsPipelinedBeforeTheHandshakeAreDiscarded()
    {
        await using var client = await _host.ConnectAsync();

        // The injection: plaintext sent with STLS must not be executed inside the TLS session.
        await client.SendAsync("STLS\r\nUSER " + Pop3TestHost.Address + "\r\n");
        Assert.Equal("+OK Begin TLS negotiation", await client.ReadLineAsync());
        await client.StartTlsAsync();

        Assert.Equal("-ERR USER first", await client.CommandAsync("PASS " + Pop3TestHost.Password));
        Assert.Equal("+OK", await client.CommandAsync("USER " + Pop3TestHost.Address));
    }

    [Fact]
    public async Task UserGivenBeforeStlsIsForgotten()
    {
        await using var loopbackAllowed = await Pop3TestHost.StartAsync();
        await using var other = await loopbackAllowed.ConnectAsync();

        Assert.Equal("+OK", await other.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.Equal("+OK Begin TLS negotiation", await other.CommandAsync("STLS"));
        await other.StartTlsAsync();

        Assert.Equal("-ERR USER first", await other.CommandAsync("PASS " + Pop3TestHost.Password));
    }

    [Fact]
    public async Task ImplicitTlsListenerGreetsInsideTlsAndAllowsLogin()
    {
        await using var client = await RawPop3Client.ConnectAsync(_host.TlsPort, implicitTls: true);

        Assert.Equal("+OK localhost POP3 ready", client.Greeting);
        var (_, lines) = await client.MultilineAsync("CAPA");
        Assert.DoesNotContain("STLS", lines);
        Assert.Equal("+OK", await client.CommandAsync("USER " + Pop3TestHost.Address));
        Assert.Equal("+OK Maildrop has 0 messages (0 octets)", await client.CommandAsync("PASS " + Pop3TestHost.Password));
    }

    [Fact]
    public async Task FailedStlsHandshakeEndsTheSessionAndTheListenerKeepsServing()
    {
        await using (var client = await _host.ConnectAsync())
        {
            Assert.Equal("+OK Begin TLS negotiation", await client.CommandAsync("STLS"));
            // Plaintext where a TLS ClientHello belongs.
            await client.SendAsync("USER " + Pop3TestHost.Address + "\r\n");
            Assert.True(await client.IsClosedByServerAsync());
        }

        await AuthorizationTests.WaitUntilAsync(() => _host.Context.Connections.Total == 0);
        await using var next = await RawPop3Client.ConnectAsync(_host.TlsPort, implicitTls: true);
        Assert.Equal("+OK localhost POP3 ready", next.Greeting);
    }
}
