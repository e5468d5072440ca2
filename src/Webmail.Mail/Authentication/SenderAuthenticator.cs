using System.Buffers;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Mail.Dkim;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Authentication;

/// <summary>What the sender checks make the pipeline do with a message.</summary>
public enum SenderDecision
{
    Deliver,
    /// <summary>DMARC <c>p=quarantine</c> (or <c>p=reject</c> with <c>Webmail:Dmarc:RejectAction=Quarantine</c>, or after <c>pct</c>): the recipients' Junk.</summary>
    Quarantine,
    /// <summary><c>550 5.7.1</c> at the end of DATA.</summary>
    Reject,
    /// <summary>A check could not be made (DNS): <c>451</c>, the sender tries again.</summary>
    TempFail,
}

/// <summary>The checks' results, the one <c>Authentication-Results</c> field (RFC 8601) and the decision.</summary>
/// <param name="Header">The whole field with its CRLF, to go above our <c>Received:</c>.</param>
/// <param name="Detail">For a refusal or deferral: the reply text after the enhanced code (ASCII, bounded).</param>
/// <param name="AuthorAuthenticated">SPF or DKIM passed for a domain aligned with the From domain (relaxed): the author is who it says. Allow lists need it.</param>
public sealed record SenderAuthentication(string Header, SenderDecision Decision, string? Detail, bool AuthorAuthenticated, SpfResult? Spf, IReadOnlyList<DkimSignatureResult> Dkim, string? Arc, DmarcResult? Dmarc);

/// <summary>
/// Who sent it: SPF (RFC 7208), DKIM (RFC 6376), ARC (RFC 8617) and DMARC (RFC 7489) for mail from outside, all
/// through the one resolver and one DNS time budget per message. The results go into one <c>Authentication-Results</c>
/// field whose authserv-id is <c>Webmail:Hostname</c>; the decision (deliver, quarantine, reject, try later) is the
/// pipeline's to carry out.
/// </summary>
public sealed class SenderAuthenticator
{
    /// <summary>Distinct From domains judged; more are unusual enough to be judged by the first ones.</summary>
    private const int MaxAuthorDomains = 5;

    private static readonly Regex DmarcPass = new(@"(^|[;\s])dmarc\s*=\s*pass\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));

    private readonly SpfEvaluator _spf;
    private readonly DkimVerification _dkim;
    private readonly DmarcEvaluator _dmarc;
    private readonly IDnsLookup _dns;
    private readonly IOptionsMonitor<WebmailOptions> _options;
    private readonly ILogger<SenderAuthenticator> _logger;

    public SenderAuthenticator(IDnsLookup dns, DkimVerification dkim, IOptionsMonitor<WebmailOptions> options, ILogger<SenderAuthenticator> logger)
    {
        _dns = dns;
        _dkim = dkim;
        _options = options;
        _logger = logger;
        _spf = new SpfEvaluator(dns);
        var suffixes = PublicSuffixList.Load(options.CurrentValue.Dmarc.PublicSuffixList, logger);
        _dmarc = new DmarcEvaluator(dns, suffixes);
        Suffixes = suffixes;
    }

    /// <summary>The Public Suffix List in use (loaded once at start).</summary>
    public PublicSuffixList Suffixes { get; }

    /// <summary>Starts a message's DNS budget (<c>Webmail:Dns:MessageBudget</c>).</summary>
    public DnsBudget StartBudget() => DnsBudget.Start(_options.CurrentValue.Dns.MessageBudget);

    /// <summary>SPF for a transaction, within <paramref name="budget"/>; null when SPF is off.</summary>
    public async Task<SpfResult?> CheckSpfAsync(IPAddress? ip, string mailFrom, string? helo, DnsBudget budget, CancellationToken cancellationToken)
    {
        if (!_options.CurrentValue.Spf.Enabled || ip is null)
            return null;
        using var limited = budget.Link(cancellationToken);
        var result = await _spf.CheckAsync(ip, mailFrom, helo, limited.Token).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Verdict == SpfVerdict.TempError)
            _logger.LogInformation("SPF temperror for {Domain} from {RemoteIp}: {Reason}", result.Domain, ip, result.Reason);
        return result;
    }

    /// <summary>
    /// Checks a message as it arrived (before our header fields) and returns the field and the decision.
    /// </summary>
    /// <param name="spf">SPF as checked at MAIL FROM, or null to check it here.</param>
    /// <param name="fromFields">The <c>From:</c> values (<see cref="Delivery.SubmittedHeaders.From"/>).</param>
    /// <param name="trusted">The client is in <c>Webmail:Smtp:TrustedNetworks</c> (a relay or filter of ours): only DKIM is checked.</param>
    public async Task<SenderAuthentication> AuthenticateAsync(ReadOnlySequence<byte> message, IReadOnlyList<string> fromFields, string mailFrom, IPAddress? ip, string? helo,
        SpfResult? spf, bool trusted, DnsBudget budget, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var dmarcOn = options.Dmarc.Enabled && !trusted;
        using var limited = budget.Link(cancellationToken);
        var token = limited.Token;
        if (!trusted)
            spf ??= await CheckSpfAsync(ip, mailFrom, helo, budget, cancellationToken).ConfigureAwait(false);
        else
            spf = null;

        // The whole message is parsed only when a seal or an uncommon signature needs it (most of the cost of a check
        // otherwise): the common DKIM signature is verified on the bytes.
        var raw = message.IsSingleSegment ? message.First : message.ToArray();
        var signed = DkimVerification.HasField(raw.Span, "dkim-signature"u8);
        var sealed_ = dmarcOn && DkimVerification.HasField(raw.Span, "arc-seal"u8);
        string? parseError = null;
        var parsed = new Lazy<MimeMessage?>(() =>
        {
            try
            {
                return MimeInput.Load(raw, options.Limits.MaxMimeDepth);
            }
            catch (FormatException e)
            {
                parseError = "message does not parse";
                _logger.LogDebug("DKIM and ARC checks skipped, message does not parse: {Error}", e.Message);
                return null;
            }
        }, LazyThreadSafetyMode.None);
        var dkim = signed ? await _dkim.VerifyAsync(raw, parsed, token).ConfigureAwait(false) : [];
        var (arc, arcSealer, arcSealerSaysPass) = sealed_ && parsed.Value is { } sealedMessage ? await VerifyArcAsync(sealedMessage, token).ConfigureAwait(false) : ("none", null, false);

        DmarcResult? dmarc = null;
        var authorAuthenticated = false;
        if (dmarcOn)
            (dmarc, authorAuthenticated) = await EvaluateDmarcAsync(fromFields, spf, dkim, token).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var (decision, detail, note) = Decide(options, spf, dmarc, arc, arcSealer, arcSealerSaysPass);
        var header = Header(options.Hostname, spf, dkim, parseError, dmarcOn ? arc : null, dmarc, decision, note);
        return new SenderAuthentication(header, decision, detail, authorAuthenticated, spf, dkim, dmarcOn ? arc : null, dmarc);
    }

    private static (SenderDecision, string?, string?) Decide(WebmailOptions options, SpfResult? spf, DmarcResult? dmarc, string arc, string? arcSealer, bool arcSealerSaysPass)
    {
        if (spf is { Verdict: SpfVerdict.TempError })
            return (SenderDecision.TempFail, $"SPF check of {spf.Domain} failed temporarily (DNS), try again later", null);
        if (dmarc is null)
            return (SenderDecision.Deliver, null, null);
        if (dmarc.Result == "temperror")
            return (SenderDecision.TempFail, $"DMARC check of {dmarc.FromDomain} failed temporarily (DNS), try again later", null);
        if (!dmarc.Failed || dmarc.Disposition == DmarcPolicy.None)
            return (SenderDecision.Deliver, null, null);
        // RFC 8617 §7.2.1 leaves it to the receiver: a chain sealed by a sealer we trust, which saw DMARC pass, wins.
        var trustedSealer = arcSealer is not null && options.Dmarc.TrustedArcSealers.Any(t => t.TrimEnd('.').Equals(arcSealer, StringComparison.OrdinalIgnoreCase));
        if (arc == "pass" && trustedSealer && arcSealerSaysPass)
            return (SenderDecision.Deliver, null, "overridden by ARC from " + arcSealer);
        // A trusted sealer's chain that could not be checked (its key's DNS lookup failed) might have overridden the
        // policy: try again later rather than refuse list mail for a DNS hiccup, as for a DKIM key (RFC 7489 §6.6.2).
        if (arc == "temperror" && trustedSealer)
            return (SenderDecision.TempFail, $"ARC check of {arcSealer} failed temporarily (DNS), try again later", null);
        if (dmarc.Disposition == DmarcPolicy.Reject && options.Dmarc.RejectAction == DmarcRejectAction.Reject)
            return (SenderDecision.Reject, $"Rejected by the DMARC policy of {dmarc.FromDomain}", null);
        return (SenderDecision.Quarantine, null, null);
    }

    /// <summary>Every distinct From domain is judged; the worst verdict stands (a second From address cannot dodge the first one's policy).</summary>
    private async Task<(DmarcResult, bool)> EvaluateDmarcAsync(IReadOnlyList<string> fromFields, SpfResult? spf, IReadOnlyList<DkimSignatureResult> dkim, CancellationToken token)
    {
        var domains = fromFields.SelectMany(Delivery.DeliveryPipeline.DomainsIn).Where(SpfEvaluator.IsValidDomain).Distinct().Take(MaxAuthorDomains).ToList();
        if (domains.Count == 0)
            return (new DmarcResult("none", "", null, DmarcPolicy.None, "no author domain"), false);
        var passing = dkim.Where(d => d.Result == "pass" && d.Domain is not null).Select(d => d.Domain!).ToList();
        var tempError = dkim.Any(d => d.Result == "temperror");
        var results = new List<DmarcResult>(domains.Count);
        foreach (var domain in domains)
        {
            try
            {
                results.Add(await _dmarc.EvaluateAsync(domain, spf, passing, tempError, token).ConfigureAwait(false));
            }
            catch (Exception e) when (e is DnsLookupException || (e is OperationCanceledException && token.IsCancellationRequested))
            {
                results.Add(new DmarcResult("temperror", domain, null, DmarcPolicy.None, "DNS lookup of the policy failed"));
            }
        }
        var worst = results.OrderByDescending(r => r.Failed ? 3 + (int)r.Disposition : r.Result == "temperror" ? 2 : r.Result == "pass" ? 1 : 0).First();
        var authenticated = results.All(r => r.Result == "pass" || r.Aligned);
        return (worst, authenticated);
    }

    /// <returns>
    /// The chain's result (<c>none</c>, <c>pass</c>, <c>fail</c>, or <c>temperror</c> when a key's DNS lookup failed),
    /// the newest sealer's domain (verified with <c>pass</c>, only claimed with <c>temperror</c>), and whether that
    /// sealer recorded <c>dmarc=pass</c>.
    /// </returns>
    private async Task<(string, string?, bool)> VerifyArcAsync(MimeMessage message, CancellationToken token)
    {
        var newest = message.Headers.Where(h => h.Id == HeaderId.ArcSeal).Select(h => Tags(h.Value)).OrderByDescending(Instance).FirstOrDefault();
        var sealer = newest is not null && newest.TryGetValue("d", out var d) ? DkimVerification.Sanitize(d).ToLowerInvariant() : null;
        try
        {
            var keys = new DnsDkimPublicKeyLocator(_dns);
            var result = await new ArcVerifier(keys).VerifyAsync(message, token).ConfigureAwait(false);
            var chain = result.Chain switch
            {
                ArcSignatureValidationResult.Pass => "pass",
                ArcSignatureValidationResult.Fail when keys.DnsFailed => "temperror",
                ArcSignatureValidationResult.Fail => "fail",
                _ => "none",
            };
            if (chain == "temperror")
                return (chain, sealer, false);
            if (chain != "pass")
                return (chain, null, false);
            var instance = Instance(newest!);
            var results = message.Headers.FirstOrDefault(h => h.Id == HeaderId.ArcAuthenticationResults && Instance(Tags(h.Value)) == instance);
            return ("pass", sealer, results is not null && DmarcPass.IsMatch(results.Value));
        }
        catch (Exception e) when (e is DnsLookupException || (e is OperationCanceledException && token.IsCancellationRequested))
        {
            return ("temperror", sealer, false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A malformed chain is a failed one (RFC 8617 §5.2); whatever it makes the verifier throw must not fail the delivery.
            _logger.LogDebug("ARC chain could not be evaluated: {Error}", e.Message);
            return ("fail", null, false);
        }
    }

    private static int Instance(Dictionary<string, string> tags) =>
        tags.TryGetValue("i", out var i) && int.TryParse(i, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static Dictionary<string, string> Tags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in value.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0)
                tags.TryAdd(part[..eq].Trim(), part[(eq + 1)..].Trim());
        }
        return tags;
    }

    /// <summary>
    /// RFC 8601 §2.2: <c>authserv-id; method=result properties; ...</c>, one method per folded line: spf, each dkim
    /// signature, arc, dmarc. Every value from the message or the client is reduced to token characters first.
    /// </summary>
    /// <summary>Printable ASCII as the text of an RFC 5322 comment: <c>(</c>, <c>)</c> and <c>\</c> become quoted pairs.</summary>
    private static string QuoteComment(string text) =>
        string.Concat(text.Where(c => c is >= ' ' and <= '~').Select(c => c is '(' or ')' or '\\' ? "\\" + c : c.ToString()));

    internal static string Header(string hostname, SpfResult? spf, IReadOnlyList<DkimSignatureResult> dkim, string? dkimNote, string? arc, DmarcResult? dmarc, SenderDecision decision, string? dmarcNote)
    {
        var entries = new List<string>(4 + dkim.Count);
        if (spf is not null)
        {
            var domain = DkimVerification.Sanitize(spf.Domain);
            // RFC 7208 §6.2: SPF fail alone is never refused here (DMARC decides), so the domain's explanation is kept as
            // a comment (RFC 5322 §3.2.2: parentheses and backslashes quoted), marked as the domain's words.
            var explanation = spf.Explanation is { } text ? $" (explanation from {domain}: {QuoteComment(text)})" : "";
            entries.Add($"spf={spf.Keyword}{explanation}" + (domain.Length > 0 ? $" smtp.{spf.Scope}={domain}" : ""));
        }
        if (dkim.Count == 0)
            entries.Add(dkimNote is null ? "dkim=none" : $"dkim=none ({dkimNote})");
        else
            entries.AddRange(dkim.Select(d => d.ToString()));
        if (arc is not null)
            entries.Add("arc=" + arc);
        if (dmarc is not null)
        {
            var entry = new StringBuilder("dmarc=").Append(dmarc.Result);
            var comment = new List<string>();
            if (dmarc.Policy is { } policy)
            {
                // dis: what this receiver did (RFC 7489 appendix C's disposition), after pct, RejectAction and ARC.
                var disposition = decision switch { SenderDecision.Reject => "reject", SenderDecision.Quarantine => "quarantine", _ => "none" };
                comment.Add($"p={DmarcRecord.Name(policy)} dis={disposition}");
            }
            if (dmarcNote is not null)
                comment.Add(dmarcNote);
            else if (dmarc.Reason is not null && dmarc.Policy is null)
                comment.Add(dmarc.Reason);
            if (comment.Count > 0)
                entry.Append(" (").Append(string.Join("; ", comment)).Append(')');
            var from = DkimVerification.Sanitize(dmarc.FromDomain);
            if (from.Length > 0)
                entry.Append(" header.from=").Append(from);
            entries.Add(entry.ToString());
        }
        return "Authentication-Results: " + DkimVerification.Sanitize(hostname) + ";\r\n\t" + string.Join(";\r\n\t", entries) + "\r\n";
    }
}
