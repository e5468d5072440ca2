using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Mail.Outbound;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>
/// Negative answers are cached (RFC 2308): a sender's domain without SPF or DMARC records is asked about once, not once
/// per message; a server failure is remembered as briefly. Answers that exist are cached for their TTL, as before.
/// </summary>
public sealed class DnsClientLookupTests : IDisposable
{
    private readonly LoopbackDnsServer _dns = new();
    private readonly DnsClientLookup _lookup;

    public DnsClientLookupTests()
    {
        var options = new WebmailOptions();
        options.Dns.Servers.Add(_dns.Endpoint);
        options.Dns.Timeout = TimeSpan.FromSeconds(2);
        _lookup = new DnsClientLookup(Options.Create(options));
    }

    public void Dispose() => _dns.Dispose();

    private int Asked(string name) => _dns.Questions.Count(q => q.Name == name);

    [Fact]
    public async Task ANameThatDoesNotExistIsAskedAboutOnce()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Empty(await _lookup.LookupTxtAsync("_dmarc.nowhere.example", default));
            Assert.Empty(await _lookup.LookupTxtAsync("nowhere.example", default));
        }

        Assert.Equal(1, Asked("_dmarc.nowhere.example"));
        Assert.Equal(1, Asked("nowhere.example"));
    }

    [Fact]
    public async Task AServerFailureIsRememberedForTheNegativeCacheDuration()
    {
        _dns.Failing["broken.example"] = true;

        await Assert.ThrowsAsync<DnsLookupException>(() => _lookup.LookupTxtAsync("broken.example", default));
        _dns.Failing.Clear();
        await Assert.ThrowsAsync<DnsLookupException>(() => _lookup.LookupTxtAsync("broken.example", default));

        Assert.Equal(1, Asked("broken.example"));
        Assert.InRange(DnsClientLookup.NegativeCacheDuration, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task AnAnswerIsCachedForItsTimeToLive()
    {
        _dns.Txt("sender.example", "v=spf1 -all");

        Assert.Equal(["v=spf1 -all"], await _lookup.LookupTxtAsync("sender.example", default));
        Assert.Equal(["v=spf1 -all"], await _lookup.LookupTxtAsync("sender.example", default));

        Assert.Equal(1, Asked("sender.example"));
    }
}
