using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Security;

namespace Webmail.Mail.Outbound.MtaSts;

/// <summary>
/// The recipient domains' MTA-STS policies (RFC 8461), discovered and cached as §3 and §5.1 say: on every delivery the
/// <c>_mta-sts.&lt;domain&gt;</c> TXT record is asked (through the one resolver); a policy is fetched when nothing valid is
/// cached, when the record's <c>id</c> differs from the cached policy's, or when the cached one's <c>max_age</c> has
/// passed. A failed refresh keeps the cached policy until it expires; with none cached, a failure means no policy.
/// The cache is in memory: after a restart each domain's policy is fetched again.
/// </summary>
public sealed class MtaStsPolicyCache(IDnsLookup dns, MtaStsPolicyFetcher fetcher, IOptionsMonitor<WebmailOptions> options, TimeProvider time, ILogger<MtaStsPolicyCache> logger)
{
    /// <summary>Domains whose policies are kept at once; past it, expired ones are dropped first, then the new one is not kept.</summary>
    public const int MaxCachedDomains = 10_000;

    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.OrdinalIgnoreCase);

    private sealed record Cached(MtaStsPolicy Policy, DateTimeOffset Expires);

    /// <summary>The policy to apply to mail for <paramref name="domain"/>, or null when it has none (or MTA-STS is off).</summary>
    public async Task<MtaStsPolicy?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        if (!options.CurrentValue.Delivery.MtaSts.Enabled)
            return null;
        domain = domain.TrimEnd('.').ToLowerInvariant();
        var now = time.GetUtcNow();
        var cached = _cache.TryGetValue(domain, out var entry) && entry.Expires > now ? entry.Policy : null;

        string? id;
        try
        {
            id = RecordId(await dns.LookupTxtAsync("_mta-sts." + domain, cancellationToken).ConfigureAwait(false));
        }
        catch (DnsLookupException e)
        {
            logger.LogInformation("MTA-STS record of {Domain} could not be looked up: {Error}", domain, e.Message);
            return cached;
        }
        // §5.1: without a (valid) record, a policy still cached stays in force until it expires.
        if (id is null || cached?.Id == id)
            return cached;

        try
        {
            var text = await fetcher.FetchAsync(domain, cancellationToken).ConfigureAwait(false);
            var policy = MtaStsPolicy.Parse(text, id);
            Keep(domain, new Cached(policy, now + policy.MaxAge), now);
            logger.LogInformation("MTA-STS policy of {Domain} (id {PolicyId}): {Mode}, max_age {MaxAge}", domain, id, policy.Mode, policy.MaxAge);
            return policy;
        }
        catch (Exception e) when (e is MtaStsFetchException or FormatException)
        {
            // §5.1 (and §3.3): a policy that cannot be fetched or parsed is as none; a valid cached one is kept.
            logger.LogWarning("MTA-STS policy of {Domain} (id {PolicyId}) could not be fetched: {Error}{Cached}", domain, id,
                LogText.Bound(e.Message, 300), cached is null ? "" : "; the cached policy stays in force");
            return cached;
        }
    }

    private void Keep(string domain, Cached entry, DateTimeOffset now)
    {
        if (_cache.Count >= MaxCachedDomains && !_cache.ContainsKey(domain))
        {
            foreach (var (name, old) in _cache)
            {
                if (old.Expires <= now)
                    _cache.TryRemove(name, out _);
            }
            if (_cache.Count >= MaxCachedDomains)
                return;
        }
        _cache[domain] = entry;
    }

    /// <summary>
    /// §3.1: of the TXT records, those starting <c>v=STSv1;</c> count; exactly one must remain, with an <c>id</c> of 1 to
    /// 32 letters and digits. Anything else: the domain has no MTA-STS (null).
    /// </summary>
    public static string? RecordId(IReadOnlyList<string> records)
    {
        var candidates = records.Where(r => r.StartsWith("v=STSv1;", StringComparison.Ordinal)).ToList();
        if (candidates.Count != 1)
            return null;
        string? id = null;
        foreach (var field in candidates[0].Split(';').Skip(1))
        {
            var trimmed = field.Trim(' ', '\t');
            if (trimmed.Length == 0)
                continue;
            var eq = trimmed.IndexOf('=');
            if (eq <= 0)
                return null;
            if (trimmed[..eq] == "id")
            {
                var value = trimmed[(eq + 1)..];
                if (id is not null || value.Length is 0 or > 32 || !value.All(char.IsAsciiLetterOrDigit))
                    return null;
                id = value;
            }
        }
        return id;
    }
}
