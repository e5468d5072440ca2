using Microsoft.Extensions.DependencyInjection;
using Webmail.Admin;
using Webmail.Core.Accounts;
using Webmail.Mail.Dkim;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

/// <summary>"Check DNS" on the real server, asking a real DNS server on loopback through <c>Webmail:Dns:Servers</c>.</summary>
public sealed class DomainDnsCheckTests : IAsyncLifetime
{
    private readonly LoopbackDnsServer _dns = new();
    private TestServer _server = default!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Dns:Servers:0"] = _dns.Endpoint });
        await _server.Services.GetRequiredService<DirectoryService>().AddDomainAsync("zone.example", "test", default);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dns.Dispose();
    }

    private async Task<Dictionary<(string, string), DnsCheckResult>> CheckAsync() =>
        (await _server.Services.GetRequiredService<DomainDnsCheck>().CheckAsync("zone.example", default)).ToDictionary(r => (r.Expected.Name, r.Expected.Type));

    /// <summary>Publishes every record as <see cref="DomainDnsRecords"/> words it.</summary>
    private async Task PublishAllAsync()
    {
        foreach (var record in await _server.Services.GetRequiredService<DomainDnsRecords>().ForAsync("zone.example", default))
        {
            var parts = record.Value.Split(' ');
            _ = record.Type switch
            {
                "MX" => _dns.Mx(record.Name, int.Parse(parts[0]), parts[1]),
                "TXT" => _dns.Txt(record.Name, record.Value),
                "CNAME" => _dns.Cname(record.Name, record.Value),
                "SRV" => _dns.Srv(record.Name, int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]), parts[3]),
                _ => throw new InvalidOperationException(record.Type),
            };
        }
    }

    [Fact]
    public async Task AZonePublishedAsSuggestedIsCorrectEverywhereAndTheQuestionsReachedTheConfiguredServer()
    {
        await _server.Services.GetRequiredService<DkimKeyService>().GenerateAsync("zone.example", "test", default);
        await PublishAllAsync();
        var results = await CheckAsync();
        Assert.Equal(15, results.Count);
        Assert.Equal("The policy it announces must list localhost as an mx.", results[("_mta-sts.zone.example", "TXT")].Note);
        Assert.All(results.Values, r => Assert.True(r.State == DnsCheckState.Correct, $"{r.Expected.Name} {r.Expected.Type}: {r.State} {r.Note}"));
        Assert.Equal(["10 localhost."], results[("zone.example", "MX")].Found);
        // The long DKIM key came back as several TXT strings, joined (RFC 6376 §3.6.2.2).
        Assert.Contains(_dns.Questions, q => q.Name.EndsWith("._domainkey.zone.example", StringComparison.Ordinal));
        Assert.Contains(_dns.Questions, q => q.Name == "_submission._tcp.zone.example" && q.Type == ARSoft.Tools.Net.Dns.RecordType.Srv);
    }

    [Fact]
    public async Task EachKindOfWrongRecordIsNamedWithWhatIsWrong()
    {
        await _server.Services.GetRequiredService<DkimKeyService>().GenerateAsync("zone.example", "test", default);
        var dkim = (await _server.Services.GetRequiredService<DkimKeyService>().GetRecordAsync("zone.example", default))!;
        _dns.Mx("zone.example", 10, "mx.elsewhere.example").Mx("zone.example", 20, "backup.elsewhere.example");
        _dns.Txt("zone.example", "v=spf1 mx -all").Txt("zone.example", "v=spf1 a -all").Txt("zone.example", "google-site-verification=abc");
        _dns.Txt(dkim.Name, "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsomeoneelse");
        _dns.Txt("_dmarc.zone.example", "v=DMARC1;p=quarantine;  adkim=r; aspf=r;");
        _dns.Address("autoconfig.zone.example", "127.0.0.1");
        _dns.Address("autodiscover.zone.example", "192.0.2.7");
        _dns.Srv("_imap._tcp.zone.example", 10, 1, 9999, "localhost");
        _dns.Srv("_imaps._tcp.zone.example", 0, 1, 993, "localhost");
        _dns.Failing["_pop3._tcp.zone.example"] = true;
        _dns.Txt("_mta-sts.zone.example", "v=STSv1; id=not-valid!");

        var results = await CheckAsync();
        var mx = results[("zone.example", "MX")];
        Assert.Equal((DnsCheckState.Different, "The MX records do not name localhost: mail for the domain goes elsewhere."), (mx.State, mx.Note));
        Assert.Equal(["10 mx.elsewhere.example.", "20 backup.elsewhere.example."], mx.Found);

        var spf = results[("zone.example", "TXT")];
        Assert.Equal(DnsCheckState.Different, spf.State);
        Assert.Equal(["v=spf1 mx -all", "v=spf1 a -all"], spf.Found);
        Assert.Contains("More than one SPF record", spf.Note, StringComparison.Ordinal);

        Assert.Equal(DnsCheckState.Different, results[(dkim.Name, "TXT")].State);
        // Spacing and a trailing semicolon do not make a different DMARC policy.
        Assert.Equal(DnsCheckState.Correct, results[("_dmarc.zone.example", "TXT")].State);
        // Address records in place of the CNAME: right when they are the host's, wrong when not.
        Assert.Equal((DnsCheckState.Correct, "Address records rather than a CNAME; they are localhost's."), (results[("autoconfig.zone.example", "CNAME")].State, results[("autoconfig.zone.example", "CNAME")].Note));
        Assert.Equal(DnsCheckState.Different, results[("autodiscover.zone.example", "CNAME")].State);
        Assert.Equal(("It does not name localhost port " + _server.ImapPort + "."), results[("_imap._tcp.zone.example", "SRV")].Note);
        // Implicit-TLS IMAP is off on this server: a record naming a host advertises a service that is not there.
        Assert.Equal((DnsCheckState.Different, "It names a server, but this server does not offer the service."), (results[("_imaps._tcp.zone.example", "SRV")].State, results[("_imaps._tcp.zone.example", "SRV")].Note));
        Assert.Equal(DnsCheckState.Failed, results[("_pop3._tcp.zone.example", "SRV")].State);
        Assert.Equal(DnsCheckState.Missing, results[("_submission._tcp.zone.example", "SRV")].State);
        Assert.Equal((DnsCheckState.Different, "The id must be 1 to 32 letters and digits (RFC 8461 §3.1)."), (results[("_mta-sts.zone.example", "TXT")].State, results[("_mta-sts.zone.example", "TXT")].Note));
    }

    [Fact]
    public async Task MtaStsIsOptionalAndTwoRecordsAreAnError()
    {
        var none = await CheckAsync();
        Assert.Equal(DnsCheckState.NotPublished, none[("_mta-sts.zone.example", "TXT")].State);
        Assert.Equal(DnsCheckState.NotPublished, none[("mta-sts.zone.example", "CNAME")].State);
        Assert.Equal(DnsCheckState.NotPublished, none[("_smtp._tls.zone.example", "TXT")].State);
        _dns.Txt("_mta-sts.zone.example", "v=STSv1; id=1").Txt("_mta-sts.zone.example", "v=STSv1; id=2");
        var twice = (await CheckAsync())[("_mta-sts.zone.example", "TXT")];
        Assert.Equal((DnsCheckState.Different, 2), (twice.State, twice.Found.Count));
    }

    [Fact]
    public async Task MtaStsRecordCarriesTheCurrentPolicyIdAndAnOldIdIsNamed()
    {
        var policies = _server.Services.GetRequiredService<MtaStsPolicies>();
        var first = await policies.SetModeAsync("zone.example", Webmail.Core.Storage.MtaStsMode.Testing, "test", default);
        var suggested = (await _server.Services.GetRequiredService<DomainDnsRecords>().ForAsync("zone.example", default)).Single(r => r.Name == "_mta-sts.zone.example");
        Assert.Equal($"v=STSv1; id={first.PolicyId}", suggested.Value);
        Assert.Equal("v=TLSRPTv1; rua=mailto:postmaster@zone.example",
            (await _server.Services.GetRequiredService<DomainDnsRecords>().ForAsync("zone.example", default)).Single(r => r.Name == "_smtp._tls.zone.example").Value);
        _dns.Txt("_mta-sts.zone.example", "v=STSv1; id=19990101000000");

        var result = (await CheckAsync())[("_mta-sts.zone.example", "TXT")];

        Assert.Equal((DnsCheckState.Different, $"The id is not the current policy's ({first.PolicyId}): senders keep the policy they cached until it changes."), (result.State, result.Note));
    }
}
