using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>
/// The recipient domain's MTA-STS policy (RFC 8461) in the outbound queue, end to end: b.example's records are served
/// by a DNS server on loopback (MX mx.b.example, the <c>_mta-sts</c> TXT record), its policy by an HTTPS server on
/// loopback with a certificate for mta-sts.b.example, and its MX by the scripted SMTP server, with STARTTLS and a
/// certificate when the test gives one. Certificates chain to a test root, trusted through the test-only
/// <c>Webmail:Delivery:MtaSts:TestTrustedRoot</c>; <c>TestHttpsPort</c> sends the policy fetch to the test server's port.
/// </summary>
public sealed class MtaStsDeliveryTests : IAsyncLifetime
{
    private readonly TestCertificateAuthority _ca = new();
    private PolicyHttpsServer _policy = null!;
    private OutboundHarness _h = null!;

    public Task InitializeAsync()
    {
        _policy = new PolicyHttpsServer(_ca.Issue("mta-sts.b.example"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_h is not null)
            await _h.DisposeAsync();
        await _policy.DisposeAsync();
        _ca.Dispose();
    }

    /// <summary>Starts the queue with b.example routed by its MX record to the scripted server, which presents <paramref name="mxCertificate"/>.</summary>
    private async Task StartAsync(X509Certificate2? mxCertificate)
    {
        _h = await OutboundHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Delivery:Routes:b.example"] = "",
            ["Webmail:Delivery:MtaSts:TestHttpsPort"] = _policy.Port.ToString(CultureInfo.InvariantCulture),
            ["Webmail:Delivery:MtaSts:TestTrustedRoot"] = _ca.RootPemPath,
            ["Webmail:Delivery:MtaSts:FetchTimeout"] = "00:00:05",
        }, mxCertificate);
        Options.Delivery.MxPort = _h.Remote.Port;
        _h.Dns.Mx("b.example", 10, "mx.b.example")
            .Address("mx.b.example", "127.0.0.1")
            .Address("mta-sts.b.example", "127.0.0.1")
            .Txt("_mta-sts.b.example", "v=STSv1; id=20261206T1;");
    }

    private WebmailOptions Options => _h.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>().CurrentValue;

    private async Task<long> SendToBettyAsync() =>
        Assert.Single(await _h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example"));

    /// <summary>Runs one queue pass and returns the entry's recorded error, asserting it is still queued.</summary>
    private async Task<string> DeferredReasonAsync(long entryId)
    {
        await _h.Queue.ProcessDueAsync(default);
        var entry = await _h.QueueStore.GetAsync(entryId, default);
        Assert.NotNull(entry);
        Assert.Equal(1, entry.Attempts);
        return entry.LastError!;
    }

    [Fact]
    public async Task EnforceDeliversToAMatchingMxOverVerifiedTls()
    {
        await StartAsync(_ca.Issue("mx.b.example"));
        _policy.Serve("enforce", 86400, "mx.b.example");
        await SendToBettyAsync();

        await _h.Queue.ProcessDueAsync(default);

        var delivered = Assert.Single(_h.Remote.Accepted);
        Assert.True(delivered.Secure);
        Assert.Equal(0, await _h.QueueStore.CountAsync(default));
        Assert.Equal("GET /.well-known/mta-sts.txt HTTP/1.1", Assert.Single(_policy.RequestLines));
    }

    [Fact]
    public async Task EnforceWildcardPatternMatchesOneLabel()
    {
        await StartAsync(_ca.Issue("mx.b.example"));
        _policy.Serve("enforce", 86400, "*.b.example");
        await SendToBettyAsync();

        await _h.Queue.ProcessDueAsync(default);

        Assert.True(Assert.Single(_h.Remote.Accepted).Secure);
    }

    [Fact]
    public async Task EnforceDefersWhenNoMxIsInThePolicy()
    {
        await StartAsync(_ca.Issue("mx.b.example"));
        // RFC 8461 §4.1: "*.example" matches one label only, so mx.b.example is named by neither pattern.
        _policy.Serve("enforce", 86400, "mx.other.example", "*.example");
        var id = await SendToBettyAsync();

        var reason = await DeferredReasonAsync(id);

        Assert.Equal("MTA-STS policy (enforce) of b.example allows none of its MX hosts (mx.b.example; policy mx: mx.other.example, *.example)", reason);
        Assert.Equal(0, _h.Remote.Connections);
    }

    [Fact]
    public async Task EnforceDefersWhenStartTlsIsNotOffered()
    {
        await StartAsync(mxCertificate: null);
        _policy.Serve("enforce", 86400, "mx.b.example");
        var id = await SendToBettyAsync();

        var reason = await DeferredReasonAsync(id);

        Assert.Equal($"mx.b.example:{_h.Remote.Port}: MTA-STS policy (enforce): STARTTLS not offered", reason);
        Assert.Empty(_h.Remote.Transactions);
    }

    [Fact]
    public async Task EnforceDefersASelfSignedCertificate()
    {
        await StartAsync(TestCertificateAuthority.SelfSigned("mx.b.example"));
        _policy.Serve("enforce", 86400, "mx.b.example");
        var id = await SendToBettyAsync();

        var reason = await DeferredReasonAsync(id);

        Assert.StartsWith($"mx.b.example:{_h.Remote.Port}: MTA-STS policy (enforce): the certificate does not chain to a trusted root", reason);
        Assert.Empty(_h.Remote.Transactions);
    }

    [Fact]
    public async Task EnforceDefersACertificateForAnotherName()
    {
        await StartAsync(_ca.Issue("mail.elsewhere.example"));
        _policy.Serve("enforce", 86400, "mx.b.example");
        var id = await SendToBettyAsync();

        var reason = await DeferredReasonAsync(id);

        Assert.Equal($"mx.b.example:{_h.Remote.Port}: MTA-STS policy (enforce): the certificate is not valid for the host name", reason);
        Assert.Empty(_h.Remote.Transactions);
    }

    [Fact]
    public async Task TestingModeDeliversAndRecordsTheFailure()
    {
        await StartAsync(TestCertificateAuthority.SelfSigned("mx.b.example"));
        var log = CapturedLog.AttachTo(_h.Services);
        _policy.Serve("testing", 86400, "mx.b.example");
        await SendToBettyAsync();

        await _h.Queue.ProcessDueAsync(default);

        Assert.True(Assert.Single(_h.Remote.Accepted).Secure);
        Assert.Equal(0, await _h.QueueStore.CountAsync(default));
        var warning = Assert.Single(log.Entries, e => e.Message.StartsWith("MTA-STS policy (testing)", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith($"MTA-STS policy (testing) not met by mx.b.example:{_h.Remote.Port}: the certificate does not chain to a trusted root", warning.Message);
    }

    [Fact]
    public async Task TestingModeDeliversWithoutStartTlsAndRecordsIt()
    {
        await StartAsync(mxCertificate: null);
        var log = CapturedLog.AttachTo(_h.Services);
        _policy.Serve("testing", 86400, "mx.b.example");
        await SendToBettyAsync();

        await _h.Queue.ProcessDueAsync(default);

        Assert.False(Assert.Single(_h.Remote.Accepted).Secure);
        Assert.Contains($"MTA-STS policy (testing) not met by mx.b.example:{_h.Remote.Port}: STARTTLS not offered; delivered anyway", log.Messages);
    }

    [Fact]
    public async Task AnOversizedPolicyIsNoPolicy()
    {
        await StartAsync(mxCertificate: null);
        // An enforce policy that would refuse this MX, past the 64 KB bound: no policy, so opportunistic delivery as before.
        _policy.Serve("enforce", 86400, "mx.other.example");
        _policy.Body = [.. _policy.Body, .. System.Text.Encoding.ASCII.GetBytes("x-padding: " + new string('x', 70_000) + "\r\n")];
        await SendToBettyAsync();

        await _h.Queue.ProcessDueAsync(default);

        Assert.False(Assert.Single(_h.Remote.Accepted).Secure);
    }

    [Fact]
    public async Task NoTxtRecordMeansNoPolicyFetch()
    {
        await StartAsync(mxCertificate: null);
        _h.Dns.Remove("_mta-sts.b.example");
        _policy.Serve("enforce", 86400, "mx.other.example");
        await SendToBettyAsync();

        await _h.Queue.ProcessDueAsync(default);

        Assert.Single(_h.Remote.Accepted);
        Assert.Equal(0, _policy.Requests);
    }

    [Fact]
    public async Task AConfiguredRouteIsNotSubjectToThePolicy()
    {
        await StartAsync(mxCertificate: null);
        _policy.Serve("enforce", 86400, "mx.other.example");
        Options.Delivery.Routes["b.example"] = _h.Remote.Endpoint;
        await SendToBettyAsync();

        await _h.Queue.ProcessDueAsync(default);

        Assert.Single(_h.Remote.Accepted);
        Assert.Equal(0, _policy.Requests);
    }
}
