using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>
/// DNS blocklists at connect (RFC 5782, <c>Webmail:Spam:Dnsbl</c>), answered by a real DNS server on loopback. The
/// tests' client is 127.0.0.1, which a list names as <c>1.0.0.127.&lt;zone&gt;</c>.
/// </summary>
public sealed class DnsBlocklistTests : IAsyncLifetime
{
    private readonly LoopbackDnsServer _dns = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        // clean.example lists nobody; errors.example answers its "query refused" code (not a listing); block.example lists us.
        _dns.Address("1.0.0.127.errors.example", "127.255.255.254");
        _dns.Address("1.0.0.127.block.example", "127.0.0.2");
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Hostname"] = "mx.local.example",
            ["Webmail:Dns:Servers:0"] = _dns.Endpoint,
            ["Webmail:Spam:Dnsbl:0"] = "clean.example",
            ["Webmail:Spam:Dnsbl:1"] = "errors.example",
            ["Webmail:Spam:Dnsbl:2"] = "block.example",
        });
        await _server.CreateAccountAsync("bob@local.example");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dns.Dispose();
    }

    [Fact]
    public async Task ListedClientIsRefusedAtConnectNamingTheList()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(_server.SmtpPort, expectGreeting: false);

        Assert.Equal("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using block.example\r\n", await smtp.ReadReplyAsync());
        // RFC 5321 §3.1: after the 554, commands but QUIT get 503, and the server waits for QUIT.
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        // The library counts refused commands and closes after ten (Limits: MaxRetryCount).
        Assert.Equal("503 5.5.1 Bad sequence of commands: this connection was refused, send QUIT, 9 retry(ies) remaining.\r\n", await smtp.CommandAsync("MAIL FROM:<sender@remote.example>"));
        // No transaction was opened: the library refuses RCPT out of sequence itself.
        await smtp.ExpectAsync("RCPT TO:<bob@local.example>", 501);
        await smtp.ExpectAsync("QUIT", 221);

        Assert.Contains(_dns.Questions, q => q.Name == "1.0.0.127.clean.example" && q.Type == ARSoft.Tools.Net.Dns.RecordType.A);
        var counts = await _server.Services.GetRequiredService<ISpamFilterStore>().GetFilterCountsAsync(DateTimeOffset.UtcNow.AddDays(-1), default);
        Assert.Equal(1, counts.Where(c => c.Outcome == "rejected" && c.Reason == "dnsbl").Sum(c => c.Count));
    }

    [Fact]
    public async Task SubmissionPortIsNotCheckedAgainstBlocklists()
    {
        // Clients on the submission port authenticate; home and mobile addresses are on every list.
        await using var smtp = await SmtpTranscript.ConnectAsync(_server.SubmissionPort, expectGreeting: false);

        Assert.Equal("220 mx.local.example ESMTP ready\r\n", await smtp.ReadReplyAsync());
    }
}

/// <summary>A blocklist that does not list the client, or answers only with its error code, refuses nobody.</summary>
public sealed class DnsBlocklistNotListedTests : IAsyncLifetime
{
    private readonly LoopbackDnsServer _dns = new();
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _dns.Address("1.0.0.127.errors.example", "127.255.255.254");
        _dns.Address("2.0.0.127.block.example", "127.0.0.2"); // someone else
        _dns.Failing["1.0.0.127.broken.example"] = true;
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Hostname"] = "mx.local.example",
            ["Webmail:Dns:Servers:0"] = _dns.Endpoint,
            ["Webmail:Spam:Dnsbl:0"] = "errors.example",
            ["Webmail:Spam:Dnsbl:1"] = "block.example",
            ["Webmail:Spam:Dnsbl:2"] = "broken.example",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dns.Dispose();
    }

    [Fact]
    public async Task UnlistedClientIsGreeted()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(_server.SmtpPort, expectGreeting: false);

        Assert.Equal("220 mx.local.example ESMTP ready\r\n", await smtp.ReadReplyAsync());
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        Assert.Contains(_dns.Questions, q => q.Name == "1.0.0.127.broken.example");
    }
}
