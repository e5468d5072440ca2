using System.Net;
using System.Net.Sockets;
using Webmail.Core.Security;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Authentication;

/// <summary>
/// SPF (RFC 7208): may this IP address send mail for that domain? <c>check_host()</c> of §4 over the one
/// resolver (<see cref="IDnsLookup"/>), with the §4.6.4 limits: at most 10 mechanisms and modifiers that
/// query DNS (include, a, mx, ptr, exists, redirect), at most 10 MX or PTR names each, at most 2 void lookups.
/// A DNS failure or timeout is <c>temperror</c>, never a pass.
/// </summary>
public sealed class SpfEvaluator(IDnsLookup dns)
{
    public const int MaxDnsMechanisms = 10;
    public const int MaxVoidLookups = 2;
    public const int MaxNamesPerLookup = 10;

    /// <summary>Longest explanation kept (RFC 7208 §6.2 sets no bound; an SMTP reply line has 512 octets in all).</summary>
    public const int MaxExplanationLength = 200;

    /// <summary>
    /// Checks the transaction: the MAIL FROM domain, or with the null reverse path the HELO name
    /// (RFC 7208 §2.4, with the sender <c>postmaster@helo</c>).
    /// </summary>
    /// <param name="mailFrom">The reverse path; empty for <c>&lt;&gt;</c>.</param>
    public async Task<SpfResult> CheckAsync(IPAddress ip, string mailFrom, string? helo, CancellationToken cancellationToken)
    {
        helo = (helo ?? "").Trim().TrimEnd('.');
        var at = mailFrom.LastIndexOf('@');
        var (scope, domain, sender) = mailFrom.Length == 0 || at < 0
            ? ("helo", helo, "postmaster@" + helo)
            : ("mailfrom", mailFrom[(at + 1)..].TrimEnd('.'), at == 0 ? "postmaster" + mailFrom : mailFrom);
        domain = domain.ToLowerInvariant();
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        var state = new State(new SpfMacro.Context(sender, domain, ip, helo), cancellationToken);
        var result = await CheckHostAsync(state, ip, domain, depth: 0, explain: true).ConfigureAwait(false);
        return new SpfResult(result.Verdict, LogText.Bound(domain, 253), scope, result.Reason is null ? null : LogText.Bound(result.Reason, 200), result.Explanation);
    }

    private sealed class State(SpfMacro.Context context, CancellationToken cancellationToken)
    {
        public SpfMacro.Context Context { get; } = context;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public int DnsMechanisms { get; set; }
        public int VoidLookups { get; set; }

        public void CountDnsMechanism()
        {
            if (++DnsMechanisms > MaxDnsMechanisms)
                throw new SpfPermErrorException($"more than {MaxDnsMechanisms} DNS-querying mechanisms");
        }

        /// <summary>§4.6.4: a lookup that returns NXDOMAIN or no answer counts as void.</summary>
        public void CountIfVoid(int answers)
        {
            if (answers == 0 && ++VoidLookups > MaxVoidLookups)
                throw new SpfPermErrorException($"more than {MaxVoidLookups} void lookups");
        }
    }

    private readonly record struct Outcome(SpfVerdict Verdict, string? Reason = null, string? Explanation = null);

    /// <param name="explain">
    /// Whether this record's <c>exp=</c> may explain a fail: yes for the checked domain and a redirect's target, no
    /// inside an include (§6.2: "an exp modifier from the target-name MUST NOT be used").
    /// </param>
    private async Task<Outcome> CheckHostAsync(State state, IPAddress ip, string domain, int depth, bool explain)
    {
        // §4.3: a domain that is not a multi-label FQDN gives "none".
        if (!IsValidDomain(domain))
            return new(SpfVerdict.None, "not a valid domain");
        try
        {
            var records = (await dns.LookupTxtAsync(domain, state.CancellationToken).ConfigureAwait(false))
                .Where(IsSpfRecord).ToList();
            if (records.Count == 0)
                return new(SpfVerdict.None, $"no SPF record at {domain}");
            if (records.Count > 1)
                return new(SpfVerdict.PermError, $"several SPF records at {domain}");
            var record = SpfRecord.Parse(records[0]);
            var context = state.Context with { Domain = domain };

            foreach (var term in record.Directives)
            {
                var matched = await MatchesAsync(state, context, ip, term, depth).ConfigureAwait(false);
                if (matched)
                {
                    var explanation = term.Qualifier == SpfVerdict.Fail && explain && record.Explanation is { } exp
                        ? await ExplainAsync(state, context, exp).ConfigureAwait(false)
                        : null;
                    return new(term.Qualifier, $"{domain}: {term.Text}", explanation);
                }
            }
            if (record.Redirect is { } redirect)
            {
                // §6.1: redirect counts as a DNS-querying term; a target without a record is permerror. §6.2: the
                // target's exp= explains its fail, this record's does not.
                state.CountDnsMechanism();
                var target = TargetName(redirect, context);
                var result = await CheckHostAsync(state, ip, target, depth + 1, explain).ConfigureAwait(false);
                return result.Verdict == SpfVerdict.None ? new(SpfVerdict.PermError, $"redirect to {target}, which has no SPF record") : result;
            }
            return new(SpfVerdict.Neutral, $"{domain}: no mechanism matched");
        }
        catch (SpfPermErrorException e)
        {
            return new(SpfVerdict.PermError, e.Message);
        }
        catch (DnsLookupException e)
        {
            return new(SpfVerdict.TempError, e.Message);
        }
        catch (OperationCanceledException) when (state.CancellationToken.IsCancellationRequested)
        {
            // The caller's token carries the per-message DNS budget: running out of it is a temporary failure.
            return new(SpfVerdict.TempError, "DNS time budget used up");
        }
    }

    private async Task<bool> MatchesAsync(State state, SpfMacro.Context context, IPAddress ip, SpfDirective term, int depth)
    {
        var ct = state.CancellationToken;
        switch (term.Mechanism)
        {
            case "all":
                return true;
            case "ip4":
            case "ip6":
                return term.Network is { } network && Contains(network.Address, network.Prefix, ip);
            case "include":
            {
                state.CountDnsMechanism();
                if (depth >= MaxDnsMechanisms)
                    throw new SpfPermErrorException("include loop");
                var target = TargetName(term.DomainSpec!, context);
                var result = await CheckHostAsync(state, ip, target, depth + 1, explain: false).ConfigureAwait(false);
                // §5.2: pass matches; fail, softfail, neutral do not; errors propagate; none is permerror.
                return result.Verdict switch
                {
                    SpfVerdict.Pass => true,
                    SpfVerdict.Fail or SpfVerdict.SoftFail or SpfVerdict.Neutral => false,
                    SpfVerdict.TempError => throw new DnsLookupException(result.Reason ?? $"temporary error in include:{target}"),
                    SpfVerdict.None => throw new SpfPermErrorException($"include:{target} has no SPF record"),
                    _ => throw new SpfPermErrorException(result.Reason ?? $"include:{target} is in error"),
                };
            }
            case "a":
            {
                state.CountDnsMechanism();
                var target = term.DomainSpec is null ? context.Domain : TargetName(term.DomainSpec, context);
                return await AddressMatchesAsync(state, target, ip, term, countVoid: true).ConfigureAwait(false);
            }
            case "mx":
            {
                state.CountDnsMechanism();
                var target = term.DomainSpec is null ? context.Domain : TargetName(term.DomainSpec, context);
                var mx = await dns.LookupMxAsync(target, ct).ConfigureAwait(false);
                var hosts = mx.Records.Where(r => r.Host.Length > 0).ToList();
                state.CountIfVoid(hosts.Count);
                // §4.6.4: more than 10 MX names is permerror.
                if (hosts.Count > MaxNamesPerLookup)
                    throw new SpfPermErrorException($"{target} has more than {MaxNamesPerLookup} MX records");
                foreach (var host in hosts)
                {
                    if (await AddressMatchesAsync(state, host.Host, ip, term, countVoid: false).ConfigureAwait(false))
                        return true;
                }
                return false;
            }
            case "ptr":
            {
                state.CountDnsMechanism();
                var target = term.DomainSpec is null ? context.Domain : TargetName(term.DomainSpec, context);
                IReadOnlyList<string> names;
                try
                {
                    names = await dns.LookupPtrAsync(ip, ct).ConfigureAwait(false);
                }
                catch (DnsLookupException)
                {
                    // §5.5: a failure of the PTR lookup is simply no match.
                    return false;
                }
                state.CountIfVoid(names.Count);
                // §4.6.4: only the first 10 PTR names are looked at.
                foreach (var name in names.Take(MaxNamesPerLookup))
                {
                    if (!name.Equals(target, StringComparison.OrdinalIgnoreCase) && !name.EndsWith("." + target, StringComparison.OrdinalIgnoreCase))
                        continue;
                    IReadOnlyList<IPAddress> addresses;
                    try
                    {
                        addresses = await dns.LookupAddressesAsync(name, ct).ConfigureAwait(false);
                    }
                    catch (DnsLookupException)
                    {
                        continue;
                    }
                    if (addresses.Any(a => Same(a, ip)))
                        return true;
                }
                return false;
            }
            case "exists":
            {
                state.CountDnsMechanism();
                var target = TargetName(term.DomainSpec!, context);
                // §5.7: an A lookup whatever the connection's family.
                var addresses = (await dns.LookupAddressesAsync(target, ct).ConfigureAwait(false)).Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToList();
                state.CountIfVoid(addresses.Count);
                return addresses.Count > 0;
            }
            default:
                throw new SpfPermErrorException($"unknown mechanism '{term.Mechanism}'");
        }
    }

    /// <summary>
    /// RFC 7208 §6.2: the one TXT record at the expanded <c>exp=</c> name, macro-expanded as an explain-string. A DNS
    /// error, no record, several records or a syntax error: no explanation, and the fail stands. The lookup is not one
    /// of the §4.6.4 DNS-querying terms. What comes back is printable ASCII, bounded.
    /// </summary>
    private async Task<string?> ExplainAsync(State state, SpfMacro.Context context, string spec)
    {
        try
        {
            var records = await dns.LookupTxtAsync(TargetName(spec, context), state.CancellationToken).ConfigureAwait(false);
            if (records.Count != 1 || records[0].Length > SpfRecord.MaxLength)
                return null;
            var text = SpfMacro.Expand(records[0], context, exp: true);
            // Expanded macros (the sender's local part) can bring in anything: keep printable ASCII only (§6.2 asks for US-ASCII).
            var printable = new string(text.Where(c => c is >= ' ' and <= '~').Take(MaxExplanationLength).ToArray()).Trim();
            return printable.Length > 0 ? printable : null;
        }
        catch (Exception e) when (e is SpfPermErrorException or DnsLookupException
                                  || (e is OperationCanceledException && state.CancellationToken.IsCancellationRequested))
        {
            // The verdict is already fail; only the explanation is lost (a spent DNS budget included).
            return null;
        }
    }

    private async Task<bool> AddressMatchesAsync(State state, string host, IPAddress ip, SpfDirective term, bool countVoid)
    {
        var family = ip.AddressFamily;
        var addresses = (await dns.LookupAddressesAsync(host, state.CancellationToken).ConfigureAwait(false)).Where(a => a.AddressFamily == family).ToList();
        if (countVoid)
            state.CountIfVoid(addresses.Count);
        var prefix = family == AddressFamily.InterNetworkV6 ? term.Prefix6 : term.Prefix4;
        return addresses.Any(a => Contains(a, prefix, ip));
    }

    /// <summary>Expands a domain-spec (§7) and shortens it from the left to 253 characters (§7.3).</summary>
    private static string TargetName(string spec, SpfMacro.Context context)
    {
        var name = SpfMacro.Expand(spec, context).TrimEnd('.');
        while (name.Length > 253 && name.IndexOf('.') is var dot and >= 0)
            name = name[(dot + 1)..];
        return name;
    }

    private static bool IsSpfRecord(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    internal static bool IsValidDomain(string domain)
    {
        if (domain.Length is 0 or > 253)
            return false;
        var labels = domain.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Length is > 0 and <= 63);
    }

    private static bool Same(IPAddress a, IPAddress b) =>
        (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b);

    /// <summary>True when <paramref name="ip"/> is in <paramref name="network"/>/<paramref name="prefix"/> (same family only).</summary>
    internal static bool Contains(IPAddress network, int prefix, IPAddress ip)
    {
        if (network.IsIPv4MappedToIPv6)
            network = network.MapToIPv4();
        if (network.AddressFamily != ip.AddressFamily)
            return false;
        var a = network.GetAddressBytes();
        var b = ip.GetAddressBytes();
        for (var bit = 0; bit < prefix; bit += 8)
        {
            var i = bit / 8;
            var bits = Math.Min(8, prefix - bit);
            var mask = (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (b[i] & mask))
                return false;
        }
        return true;
    }
}
