using Webmail.Core.Storage;
using Webmail.Mail.Dkim;
using Webmail.Settings;

namespace Webmail.Admin;

/// <summary>One DNS record to publish for a domain, with what it is for.</summary>
public sealed record DomainDnsRecord(string Name, string Type, string Value, string Purpose)
{
    /// <summary>A zone-file line; TXT values split into 255-octet strings (RFC 1035 §3.3.14).</summary>
    public string ToZoneLine() =>
        $"{Name}. IN {Type} " + (Type == "TXT" ? string.Join(" ", Value.Chunk(255).Select(c => "\"" + new string(c) + "\"")) : Value);
}

/// <summary>
/// The records a hosted domain needs, written from what this server runs: MX to
/// <c>Webmail:Hostname</c>; SPF and DMARC; the DKIM key when there is one; the <c>autoconfig</c> and
/// <c>autodiscover</c> names mail programs ask (<see cref="ClientConfigEndpoints"/>); and the RFC 6186
/// SRV records of the client services, implicit TLS preferred (priority 0 before 10, RFC 8314 §5.1),
/// with target "." for a service that is off (RFC 6186 §4), so clients do not guess a port; and MTA-STS (RFC 8461:
/// the <c>mta-sts</c> name this server answers for, the <c>_mta-sts</c> record with the policy's id) and TLS-RPT
/// (RFC 8460), which are optional.
/// </summary>
public sealed class DomainDnsRecords(MailClientSetup setup, DkimKeyService dkim, IMtaStsStore mtaSts)
{
    private static readonly (string Service, MailClientProtocol Kind, bool ImplicitTls)[] Services =
    [
        ("_imaps._tcp", MailClientProtocol.Imap, true), ("_imap._tcp", MailClientProtocol.Imap, false),
        ("_pop3s._tcp", MailClientProtocol.Pop3, true), ("_pop3._tcp", MailClientProtocol.Pop3, false),
        ("_submissions._tcp", MailClientProtocol.Submission, true), ("_submission._tcp", MailClientProtocol.Submission, false),
    ];

    /// <summary>The host MX records name: <c>Webmail:Hostname</c>.</summary>
    public string MailHost => setup.Host.TrimEnd('.');

    public async Task<IReadOnlyList<DomainDnsRecord>> ForAsync(string domain, CancellationToken cancellationToken)
    {
        var host = setup.Host.TrimEnd('.');
        var records = new List<DomainDnsRecord>
        {
            new(domain, "MX", $"10 {host}.", "Mail for the domain comes to this server."),
            new(domain, "TXT", "v=spf1 mx -all", "SPF: only the domain's mail exchangers send its mail."),
        };
        if (await dkim.GetRecordAsync(domain, cancellationToken) is { } key)
            records.Add(new(key.Name, "TXT", key.Value, "DKIM: receivers check the signature on mail from the domain."));
        records.Add(new($"_dmarc.{domain}", "TXT", "v=DMARC1; p=quarantine; adkim=r; aspf=r", "DMARC: mail failing SPF and DKIM alignment goes to spam."));
        records.Add(new($"autoconfig.{domain}", "CNAME", $"{host}.", "Thunderbird finds its settings here."));
        records.Add(new($"autodiscover.{domain}", "CNAME", $"{host}.", "Outlook finds its settings here."));
        var servers = setup.Servers();
        foreach (var (service, kind, implicitTls) in Services)
        {
            var server = servers.FirstOrDefault(s => s.Kind == kind && s.ImplicitTls == implicitTls);
            var name = $"{service}.{domain}";
            records.Add(server is null
                ? new(name, "SRV", "0 0 0 .", $"{Describe(kind, implicitTls)} is not offered.")
                : new(name, "SRV", $"{(implicitTls ? 0 : 10)} 1 {server.Port} {host}.", $"{Describe(kind, implicitTls)} for mail programs (RFC 6186)."));
        }
        var policy = await mtaSts.GetMtaStsAsync(domain, cancellationToken) ?? new MtaStsSetting(MtaStsMode.None, "");
        var mode = policy.Mode.ToString().ToLowerInvariant();
        records.Add(new($"mta-sts.{domain}", "CNAME", $"{host}.", $"MTA-STS, optional: senders fetch the policy (mode {mode}) from https://mta-sts.{domain}/.well-known/mta-sts.txt on this server's web listener, whose certificate must cover the name."));
        records.Add(new($"_mta-sts.{domain}", "TXT", $"v=STSv1; id={MtaStsPolicies.RecordId(policy)}",
            policy.Mode == MtaStsMode.None
                ? "MTA-STS, optional: choose testing or enforce on the Domains page first; then senders insist on TLS."
                : $"MTA-STS (RFC 8461): senders that know the policy deliver only over TLS to {host} ({mode})."));
        records.Add(new($"_smtp._tls.{domain}", "TXT", $"v=TLSRPTv1; rua=mailto:postmaster@{domain}", "TLS-RPT, optional (RFC 8460): senders send daily reports of TLS failures to postmaster."));
        return records;
    }

    private static string Describe(MailClientProtocol kind, bool implicitTls) =>
        (kind switch { MailClientProtocol.Imap => "IMAP", MailClientProtocol.Pop3 => "POP3", _ => "SMTP submission" }) + (implicitTls ? " over TLS" : " with STARTTLS");
}
