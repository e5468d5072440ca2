using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webmail.Core.Storage;
using Webmail.Mail.Outbound;
using Webmail.Mail.Outbound.MtaSts;
using Webmail.Mail.Tests.Transfer;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>
/// Discovery, fetch, parse and cache of recipient domains' MTA-STS policies (RFC 8461 §3, §4.1, §5.1): the real
/// resolver against a DNS server on loopback, the real fetcher against an HTTPS server on loopback, a clock the test moves.
/// </summary>
public sealed class MtaStsPolicyTests : IAsyncLifetime
{
    private readonly TestCertificateAuthority _ca = new();
    private readonly LoopbackDnsServer _dns = new();
    private readonly ManualClock _clock = new();
    private PolicyHttpsServer _server = null!;
    private MtaStsPolicyCache _policies = null!;
    private MtaStsPolicyFetcher _fetcher = null!;

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    public Task InitializeAsync()
    {
        _server = new PolicyHttpsServer(_ca.Issue("mta-sts.b.example"));
        (_fetcher, _policies) = Build(_server.Port);
        // TTL 0: the resolver caches nothing, so a test's change of the TXT record is seen at once.
        _dns.Ttl = 0;
        _dns.Address("mta-sts.b.example", "127.0.0.1").Txt("_mta-sts.b.example", "v=STSv1; id=one");
        return Task.CompletedTask;
    }

    /// <summary>The real resolver (asking the loopback DNS server), fetcher and cache, the policy host asked on <paramref name="httpsPort"/>.</summary>
    private (MtaStsPolicyFetcher, MtaStsPolicyCache) Build(int httpsPort)
    {
        var options = new TestOptions(o =>
        {
            o.Dns.Servers.Add(_dns.Endpoint);
            o.Dns.Timeout = TimeSpan.FromSeconds(1);
            o.Delivery.MtaSts.TestHttpsPort = httpsPort;
            o.Delivery.MtaSts.TestTrustedRoot = _ca.RootPemPath;
            o.Delivery.MtaSts.FetchTimeout = TimeSpan.FromSeconds(2);
        });
        var dns = new DnsClientLookup(Options.Create(options.CurrentValue));
        var fetcher = new MtaStsPolicyFetcher(dns, new PkixCertificateCheck(options), options);
        return (fetcher, new MtaStsPolicyCache(dns, fetcher, options, _clock, NullLogger<MtaStsPolicyCache>.Instance));
    }

    public async Task DisposeAsync()
    {
        _fetcher.Dispose();
        await _server.DisposeAsync();
        _dns.Dispose();
        _ca.Dispose();
    }

    private void SetId(string id)
    {
        _dns.Remove("_mta-sts.b.example");
        _dns.Txt("_mta-sts.b.example", $"v=STSv1; id={id}");
    }

    [Fact]
    public async Task PolicyIsFetchedOnceAndKeptWhileTheIdAndMaxAgeHold()
    {
        _server.Serve("enforce", 3600, "mx.b.example", "*.backup.b.example");

        var first = await _policies.GetAsync("b.example", default);
        _clock.Now += TimeSpan.FromMinutes(59);
        var second = await _policies.GetAsync("B.Example.", default);

        Assert.Equal(("one", MtaStsMode.Enforce, TimeSpan.FromHours(1)), (first!.Id, first.Mode, first.MaxAge));
        Assert.Equal(["mx.b.example", "*.backup.b.example"], first.MxPatterns);
        Assert.Same(first, second);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task ANewTxtIdFetchesTheNewPolicy()
    {
        _server.Serve("testing", 86400, "mx.b.example");
        Assert.Equal(MtaStsMode.Testing, (await _policies.GetAsync("b.example", default))!.Mode);

        _server.Serve("enforce", 86400, "mx.b.example");
        SetId("two");
        var policy = await _policies.GetAsync("b.example", default);

        Assert.Equal(("two", MtaStsMode.Enforce), (policy!.Id, policy.Mode));
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task AnExpiredPolicyIsFetchedAgainEvenWithTheSameId()
    {
        _server.Serve("enforce", 600, "mx.b.example");
        await _policies.GetAsync("b.example", default);

        _clock.Now += TimeSpan.FromSeconds(601);
        await _policies.GetAsync("b.example", default);

        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task AFailedRefreshKeepsTheCachedPolicyUntilItExpires()
    {
        _server.Serve("enforce", 3600, "mx.b.example");
        await _policies.GetAsync("b.example", default);

        // RFC 8461 §5.1: a new id whose policy cannot be fetched leaves the cached policy in force...
        (_server.Status, _server.Body) = (500, []);
        SetId("two");
        var kept = await _policies.GetAsync("b.example", default);
        // ...and so does a record that disappears...
        _dns.Remove("_mta-sts.b.example");
        var withoutRecord = await _policies.GetAsync("b.example", default);
        // ...until max_age has passed.
        SetId("two");
        _clock.Now += TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1);
        var expired = await _policies.GetAsync("b.example", default);

        Assert.Equal(("one", MtaStsMode.Enforce), (kept!.Id, kept.Mode));
        Assert.Same(kept, withoutRecord);
        Assert.Null(expired);
    }

    public static TheoryData<string, int, string, string[], string> HostileAnswers => new()
    {
        { "a redirect", 301, "text/plain", ["Location: https://mta-sts.evil.example/.well-known/mta-sts.txt"], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: 86400\r\n" },
        { "not found", 404, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: 86400\r\n" },
        { "HTML", 200, "text/html", [], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: 86400\r\n" },
        { "over 64 KB", 200, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: 86400\r\n" + new string('#', 65_536) },
        { "not ASCII", 200, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: 86400\r\nnote: caf\u00e9\r\n" },
        { "max_age over a year", 200, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: 31557601\r\n" },
        { "max_age not a number", 200, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: -1\r\n" },
        { "an unknown mode", 200, "text/plain", [], "version: STSv1\r\nmode: strict\r\nmx: mx.b.example\r\nmax_age: 86400\r\n" },
        { "another version", 200, "text/plain", [], "version: STSv2\r\nmode: enforce\r\nmx: mx.b.example\r\nmax_age: 86400\r\n" },
        { "enforce without mx", 200, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n" },
        { "a bad mx pattern", 200, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmx: mx.b.example/../\r\nmax_age: 86400\r\n" },
        { "a line without a key", 200, "text/plain", [], "version: STSv1\r\nmode: enforce\r\nmx.b.example\r\nmax_age: 86400\r\n" },
    };

    [Theory]
    [MemberData(nameof(HostileAnswers))]
    public async Task AHostileOrBrokenAnswerIsNoPolicy(string what, int status, string contentType, string[] headers, string body)
    {
        (_server.Status, _server.ContentType, _server.Body) = (status, contentType, Encoding.UTF8.GetBytes(body));
        _server.ExtraHeaders.AddRange(headers);

        var policy = await _policies.GetAsync("b.example", default);

        Assert.True(policy is null, $"{what}: {policy}");
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task APolicyHostWithAnUntrustedCertificateIsNoPolicy()
    {
        await using var selfSigned = new PolicyHttpsServer(TestCertificateAuthority.SelfSigned("mta-sts.b.example"));
        selfSigned.Serve("enforce", 86400, "mx.b.example");
        var (fetcher, policies) = Build(selfSigned.Port);
        using var _ = fetcher;

        Assert.Null(await policies.GetAsync("b.example", default));
        Assert.Equal(0, selfSigned.Requests);
    }

    [Theory]
    [InlineData("v=STSv1; id=20160831085700Z;", "20160831085700Z")]
    [InlineData("v=STSv1;id=abc", "abc")]
    [InlineData("v=STSv1; id=abc; ext=1", "abc")]
    [InlineData("v=STSv1; id=", null)]
    [InlineData("v=STSv1; id=has-dash", null)]
    [InlineData("v=STSv1; id=123456789012345678901234567890123", null)]
    [InlineData("v=STSv1", null)]
    [InlineData("v=stsv1; id=abc", null)]
    [InlineData("id=abc; v=STSv1;", null)]
    public void TxtRecordGivesItsId(string record, string? id)
    {
        Assert.Equal(id, MtaStsPolicyCache.RecordId([record]));
    }

    [Fact]
    public void TwoStsRecordsAreNoRecordButOtherTxtIsIgnored()
    {
        Assert.Null(MtaStsPolicyCache.RecordId(["v=STSv1; id=a", "v=STSv1; id=b"]));
        Assert.Equal("a", MtaStsPolicyCache.RecordId(["v=spf1 -all", "v=STSv1; id=a"]));
    }

    [Theory]
    [InlineData("mx.b.example", "mx.b.example", true)]
    [InlineData("MX.B.Example.", "mx.b.example", true)]
    [InlineData("mx.b.example", "*.b.example", true)]
    [InlineData("a.mx.b.example", "*.b.example", false)]
    [InlineData("b.example", "*.b.example", false)]
    [InlineData("mx.b.example.evil", "mx.b.example", false)]
    [InlineData("mx.b.example", "*.example", false)]
    public void MxPatternsMatchAsSection41Says(string host, string pattern, bool allowed)
    {
        var policy = new MtaStsPolicy("id", MtaStsMode.Enforce, [pattern], TimeSpan.FromDays(1));
        Assert.Equal(allowed, policy.Allows(host));
    }

    [Fact]
    public void PolicyTextWithLfLinesAndUnknownKeysParses()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: testing\nmx: mx1.b.example\nmx: *.b.example\nmax_age: 0\nfuture_key: whatever\n", "x");

        Assert.Equal(MtaStsMode.Testing, policy.Mode);
        Assert.Equal(["mx1.b.example", "*.b.example"], policy.MxPatterns);
        Assert.Equal(TimeSpan.Zero, policy.MaxAge);
    }
}
