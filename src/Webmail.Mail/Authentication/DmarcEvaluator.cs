using Webmail.Mail.Outbound;

namespace Webmail.Mail.Authentication;

/// <summary>The DMARC verdict on one author domain (RFC 7489 §6.6).</summary>
/// <param name="Result"><c>none</c> (no policy), <c>pass</c>, <c>fail</c>, <c>temperror</c>, <c>permerror</c> (the method registered by RFC 7489 §11.1).</param>
/// <param name="FromDomain">The RFC 5322 From domain judged.</param>
/// <param name="Policy">The policy that applies to that domain (<c>sp</c> for a subdomain), when there is a record.</param>
/// <param name="Disposition">What the receiver should do after <c>pct</c>: none, quarantine, reject.</param>
/// <param name="Aligned">SPF or DKIM passed for a domain aligned (relaxed) with the From domain, whether or not it publishes a policy.</param>
public sealed record DmarcResult(string Result, string FromDomain, DmarcPolicy? Policy, DmarcPolicy Disposition, string? Reason = null, bool Aligned = false)
{
    public bool Failed => Result == "fail";
}

/// <summary>
/// DMARC (RFC 7489): finds the From domain's policy (§6.6.3: <c>_dmarc.</c> the domain, then <c>_dmarc.</c> its
/// organisational domain) and checks that SPF or DKIM passed for an aligned domain (§3.1, relaxed or strict).
/// </summary>
public sealed class DmarcEvaluator(IDnsLookup dns, PublicSuffixList suffixes)
{
    /// <summary>Draws for <c>pct</c> (§6.6.4); replaceable so tests can pin it.</summary>
    internal Func<int, int> Random { get; init; } = System.Random.Shared.Next;

    /// <param name="spf">The SPF result (its domain is the MAIL FROM domain, or the HELO name for the null sender).</param>
    /// <param name="dkimPassDomains">The <c>d=</c> of every DKIM signature that verified.</param>
    /// <exception cref="DnsLookupException">The policy lookup failed temporarily.</exception>
    public async Task<DmarcResult> EvaluateAsync(string fromDomain, SpfResult? spf, IReadOnlyList<string> dkimPassDomains, bool dkimTempError, CancellationToken cancellationToken)
    {
        fromDomain = fromDomain.TrimEnd('.').ToLowerInvariant();
        var organization = suffixes.OrganizationalDomain(fromDomain);
        var record = await FindRecordAsync(fromDomain, cancellationToken).ConfigureAwait(false);
        var subdomain = false;
        if (record is null && organization != fromDomain)
        {
            record = await FindRecordAsync(organization, cancellationToken).ConfigureAwait(false);
            subdomain = record is not null;
        }
        if (record is null)
        {
            var aligned = dkimPassDomains.Any(d => Aligned(d, fromDomain, organization, strict: false))
                || (spf is { Verdict: SpfVerdict.Pass } && Aligned(spf.Domain, fromDomain, organization, strict: false));
            return new DmarcResult("none", fromDomain, null, DmarcPolicy.None, Aligned: aligned);
        }

        var policy = subdomain ? record.SubdomainPolicy ?? record.Policy : record.Policy;
        var dkimAligned = dkimPassDomains.Any(d => Aligned(d, fromDomain, organization, record.StrictDkim));
        var spfAligned = spf is { Verdict: SpfVerdict.Pass } && Aligned(spf.Domain, fromDomain, organization, record.StrictSpf);
        if (dkimAligned || spfAligned)
            return new DmarcResult("pass", fromDomain, policy, DmarcPolicy.None, Aligned: true);
        // Without an aligned pass, a check that could not be made might have passed: try again later rather than judge.
        if (dkimTempError || spf is { Verdict: SpfVerdict.TempError })
            return new DmarcResult("temperror", fromDomain, policy, DmarcPolicy.None, "a DNS lookup of SPF or DKIM failed");

        // §6.6.4: pct applies the policy to that share of failing mail; the rest gets the next policy down.
        var disposition = policy;
        if (record.Percent < 100 && Random(100) >= record.Percent)
            disposition = policy == DmarcPolicy.Reject ? DmarcPolicy.Quarantine : DmarcPolicy.None;
        return new DmarcResult("fail", fromDomain, policy, disposition);
    }

    /// <summary>§3.1.1, §3.1.2: strict is the same name; relaxed is the same organisational domain.</summary>
    private bool Aligned(string domain, string fromDomain, string fromOrganization, bool strict)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        return strict ? domain == fromDomain : suffixes.OrganizationalDomain(domain) == fromOrganization;
    }

    private async Task<DmarcRecord?> FindRecordAsync(string domain, CancellationToken cancellationToken)
    {
        var records = (await dns.LookupTxtAsync("_dmarc." + domain, cancellationToken).ConfigureAwait(false)).Where(DmarcRecord.IsDmarc).ToList();
        // §6.6.3: anything but exactly one record means no policy here.
        return records.Count == 1 ? DmarcRecord.Parse(records[0]) : null;
    }
}
