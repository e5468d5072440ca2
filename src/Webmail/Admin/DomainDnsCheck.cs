using Microsoft.Extensions.DependencyInjection;
using Webmail.Mail.Outbound;

namespace Webmail.Admin;

/// <summary>How a published record compares with what <see cref="DomainDnsRecords"/> says it should be.</summary>
public enum DnsCheckState
{
    Correct,
    Missing,
    Different,
    /// <summary>The lookup failed (timeout, SERVFAIL): nothing is known.</summary>
    Failed,
    /// <summary>An optional record that is not there (MTA-STS).</summary>
    NotPublished,
}

/// <summary>One expected record, what DNS holds for it, and why it is judged so.</summary>
/// <param name="Found">What DNS answered, as zone values ("10 mx.example."), one per record; empty when nothing.</param>
public sealed record DnsCheckResult(DomainDnsRecord Expected, DnsCheckState State, IReadOnlyList<string> Found, string Note);

/// <summary>
/// The admin's "Check DNS": asks DNS (the server's resolver without its cache, <see cref="DnsClientLookup.Uncached"/>:
/// the admin has usually just published or fixed a record, and a remembered "no such name" would hide it) for
/// each record <see cref="DomainDnsRecords"/> lists and judges it correct, missing or different. What
/// counts as correct is what makes the record do its job, not the same text: an MX list that includes
/// this server, the SPF or DMARC record when it is the only one of its kind (two are an error to
/// receivers), the DKIM record carrying this server's key, the client names pointing here by CNAME or
/// by the same addresses, an SRV record naming this host and port.
/// </summary>
public sealed class DomainDnsCheck(DomainDnsRecords records, [FromKeyedServices(DnsClientLookup.Uncached)] IDnsLookup dns)
{
    public async Task<IReadOnlyList<DnsCheckResult>> CheckAsync(string domain, CancellationToken cancellationToken)
    {
        var expected = await records.ForAsync(domain, cancellationToken);
        return await Task.WhenAll(expected.Select(record => CheckOneAsync(record, cancellationToken)));
    }

    /// <summary>
    /// MTA-STS (RFC 8461) is optional: no record is "not published"; a record is checked for its form (§3.1:
    /// <c>v=STSv1</c> first, an <c>id</c> of 1–32 letters and digits, one record only) and for the id of this
    /// server's current policy (senders refetch the policy only when the id changes).
    /// </summary>
    private async Task<DnsCheckResult> CheckMtaStsAsync(DomainDnsRecord record, CancellationToken cancellationToken)
    {
        var found = (await dns.LookupTxtAsync(record.Name, cancellationToken)).Where(t => HasTag(t, "v=STSv1")).ToList();
        if (found.Count == 0)
            return new(record, DnsCheckState.NotPublished, [], "Not published: senders use TLS when offered but do not insist.");
        if (found.Count > 1)
            return new(record, DnsCheckState.Different, found, "More than one MTA-STS record: senders ignore them all (RFC 8461 §3.1). Keep one.");
        var id = IdOf(found[0]);
        if (id is not { Length: >= 1 and <= 32 } || !id.All(char.IsAsciiLetterOrDigit))
            return new(record, DnsCheckState.Different, found, "The id must be 1 to 32 letters and digits (RFC 8461 §3.1).");
        return id == IdOf(record.Value)
            ? new(record, DnsCheckState.Correct, found, $"The policy it announces must list {records.MailHost} as an mx.")
            : new(record, DnsCheckState.Different, found, $"The id is not the current policy's ({IdOf(record.Value)}): senders keep the policy they cached until it changes.");
    }

    private static string? IdOf(string record) =>
        record.Split(';').Select(t => t.Trim()).FirstOrDefault(t => t.StartsWith("id=", StringComparison.Ordinal))?[3..];

    /// <summary>TLS-RPT (RFC 8460 §3) is optional: one <c>v=TLSRPTv1</c> record with a <c>rua</c>.</summary>
    private async Task<DnsCheckResult> CheckTlsRptAsync(DomainDnsRecord record, CancellationToken cancellationToken)
    {
        var found = (await dns.LookupTxtAsync(record.Name, cancellationToken)).Where(t => HasTag(t, "v=TLSRPTv1")).ToList();
        if (found.Count == 0)
            return new(record, DnsCheckState.NotPublished, [], "Not published: senders do not report TLS failures.");
        if (found.Count > 1)
            return new(record, DnsCheckState.Different, found, "More than one TLS-RPT record: senders ignore them all (RFC 8460 §3). Keep one.");
        return found[0].Contains("rua=", StringComparison.OrdinalIgnoreCase)
            ? new(record, DnsCheckState.Correct, found, "")
            : new(record, DnsCheckState.Different, found, "No rua= address: senders have nowhere to send reports (RFC 8460 §3).");
    }

    private async Task<DnsCheckResult> CheckOneAsync(DomainDnsRecord record, CancellationToken cancellationToken)
    {
        try
        {
            return record.Type switch
            {
                "MX" => await CheckMxAsync(record, cancellationToken),
                "TXT" when HasTag(record.Value, "v=STSv1") => await CheckMtaStsAsync(record, cancellationToken),
                "TXT" when HasTag(record.Value, "v=TLSRPTv1") => await CheckTlsRptAsync(record, cancellationToken),
                "CNAME" when record.Name.StartsWith("mta-sts.", StringComparison.Ordinal) => Optional(await CheckCnameAsync(record, cancellationToken)),
                "TXT" => await CheckTxtAsync(record, cancellationToken),
                "CNAME" => await CheckCnameAsync(record, cancellationToken),
                "SRV" => await CheckSrvAsync(record, cancellationToken),
                _ => throw new InvalidOperationException($"No check for {record.Type} records."),
            };
        }
        catch (DnsLookupException e)
        {
            return new(record, DnsCheckState.Failed, [], $"The lookup failed ({e.Message}); try again later.");
        }
    }

    /// <summary>A missing optional record (the MTA-STS name) is "not published", not an error.</summary>
    private static DnsCheckResult Optional(DnsCheckResult result) =>
        result.State == DnsCheckState.Missing ? result with { State = DnsCheckState.NotPublished, Note = "Not published: MTA-STS is optional." } : result;

    private async Task<DnsCheckResult> CheckMxAsync(DomainDnsRecord record, CancellationToken cancellationToken)
    {
        var host = Host(record.Value.Split(' ')[1]);
        var answer = await dns.LookupMxAsync(record.Name, cancellationToken);
        var found = answer.Records.OrderBy(r => r.Preference).Select(r => $"{r.Preference} {r.Host}.").ToList();
        if (found.Count == 0)
            return new(record, DnsCheckState.Missing, found, "No MX record: other servers deliver to the domain's address records, if any, or not at all.");
        return answer.Records.Any(r => SameHost(r.Host, host))
            ? new(record, DnsCheckState.Correct, found, "")
            : new(record, DnsCheckState.Different, found, $"The MX records do not name {host}: mail for the domain goes elsewhere.");
    }

    private async Task<DnsCheckResult> CheckTxtAsync(DomainDnsRecord record, CancellationToken cancellationToken)
    {
        var all = await dns.LookupTxtAsync(record.Name, cancellationToken);
        var (tag, what) = record.Value.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) ? ("v=spf1", "SPF")
            : record.Value.StartsWith("v=DMARC1", StringComparison.OrdinalIgnoreCase) ? ("v=DMARC1", "DMARC")
            : ("v=DKIM1", "DKIM");
        // RFC 7208 §4.5 and RFC 7489 §6.6.3 select records by their version tag; a DKIM key record may leave it out (RFC 6376 §3.6.1).
        var found = all.Where(t => what == "DKIM" || HasTag(t, tag)).ToList();
        if (found.Count == 0)
            return new(record, DnsCheckState.Missing, [], $"No {what} record at {record.Name}.");
        if (what == "DKIM")
        {
            return found.Any(t => PublicKey(t) == PublicKey(record.Value))
                ? new(record, DnsCheckState.Correct, found, "")
                : new(record, DnsCheckState.Different, found, "The key published is not this server's key: receivers will find its signatures broken.");
        }
        if (found.Count > 1)
            return new(record, DnsCheckState.Different, found, $"More than one {what} record: receivers treat that as an error ({(what == "SPF" ? "RFC 7208 §4.5" : "RFC 7489 §6.6.3")}). Keep one.");
        return Normalize(found[0]) == Normalize(record.Value)
            ? new(record, DnsCheckState.Correct, found, "")
            : new(record, DnsCheckState.Different, found, what == "SPF"
                ? "A different SPF policy: make sure it allows this server to send (the suggested one does, through mx)."
                : "A different DMARC policy: fine if you chose it.");
    }

    private async Task<DnsCheckResult> CheckCnameAsync(DomainDnsRecord record, CancellationToken cancellationToken)
    {
        var host = Host(record.Value);
        if (await dns.LookupCnameAsync(record.Name, cancellationToken) is { } target)
        {
            return SameHost(target, host)
                ? new(record, DnsCheckState.Correct, [target + "."], "")
                : new(record, DnsCheckState.Different, [target + "."], $"It points at {target}, not {host}: mail programs will not find their settings here.");
        }
        // Address records instead of a CNAME do as well when they are this host's addresses.
        var addresses = await dns.LookupAddressesAsync(record.Name, cancellationToken);
        if (addresses.Count == 0)
            return new(record, DnsCheckState.Missing, [], $"No record at {record.Name}.");
        var found = addresses.Select(a => a.ToString()).ToList();
        var ours = await dns.LookupAddressesAsync(host, cancellationToken);
        return addresses.Any(ours.Contains)
            ? new(record, DnsCheckState.Correct, found, $"Address records rather than a CNAME; they are {host}'s.")
            : new(record, DnsCheckState.Different, found, $"The addresses are not {host}'s.");
    }

    private async Task<DnsCheckResult> CheckSrvAsync(DomainDnsRecord record, CancellationToken cancellationToken)
    {
        var parts = record.Value.Split(' ');
        var (port, host) = (int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), Host(parts[3]));
        var answer = await dns.LookupSrvAsync(record.Name, cancellationToken);
        var found = answer.Select(s => $"{s.Priority} {s.Weight} {s.Port} {(s.Target == "." ? "." : s.Target + ".")}").ToList();
        if (found.Count == 0)
            return new(record, DnsCheckState.Missing, found, host == "." ? "Not published: mail programs may try the service anyway." : $"No SRV record at {record.Name}.");
        var offered = host != ".";
        return answer.Any(s => offered ? SameHost(s.Target, host) && s.Port == port : s.Target == ".")
            ? new(record, DnsCheckState.Correct, found, "")
            : new(record, DnsCheckState.Different, found, offered ? $"It does not name {host} port {port}." : "It names a server, but this server does not offer the service.");
    }

    private static bool HasTag(string text, string tag) =>
        text.StartsWith(tag, StringComparison.OrdinalIgnoreCase) && (text.Length == tag.Length || text[tag.Length] is ' ' or ';');

    /// <summary>The p= value of a DKIM key record, whitespace removed (RFC 6376 §3.6.1 allows folding).</summary>
    private static string? PublicKey(string record) =>
        record.Split(';').Select(t => t.Trim()).FirstOrDefault(t => t.StartsWith("p=", StringComparison.Ordinal)) is { } p ? string.Concat(p[2..].Where(c => !char.IsWhiteSpace(c))) : null;

    /// <summary>A record's text for comparison: DMARC's tags trimmed, SPF's terms single-spaced, case ignored.</summary>
    private static string Normalize(string record) => (record.Contains(';')
        ? string.Join(';', record.Split(';').Select(t => t.Trim()).Where(t => t.Length > 0))
        : string.Join(' ', record.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))).ToLowerInvariant();

    private static string Host(string value) => value == "." ? "." : value.TrimEnd('.');

    private static bool SameHost(string a, string b) => string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
