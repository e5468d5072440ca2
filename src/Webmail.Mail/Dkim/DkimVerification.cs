using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Cryptography;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Dkim;

/// <summary>One DKIM signature's result (RFC 8601 §2.7.1), with the properties that tell signatures apart.</summary>
/// <param name="Result"><c>pass</c>, <c>fail</c>, <c>temperror</c> or <c>permerror</c>.</param>
/// <param name="Domain">The signature's <c>d=</c>, sanitised; null when it has none.</param>
public sealed record DkimSignatureResult(string Result, string? Domain, string? Selector, string? B)
{
    /// <summary>The method entry: <c>dkim=pass header.d=a.example header.s=sel header.b="abcdefgh"</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("dkim=").Append(Result);
        if (Domain is not null)
            text.Append(" header.d=").Append(Domain);
        if (Selector is not null)
            text.Append(" header.s=").Append(Selector);
        if (B is not null)
            text.Append(" header.b=\"").Append(B).Append('"');
        return text.ToString();
    }
}

/// <summary>
/// Verifies the DKIM signatures of mail arriving from outside with MimeKit's <see cref="DkimVerifier"/>, keys
/// through the one resolver. Part of <see cref="Authentication.SenderAuthenticator"/>, which writes the results
/// into the one <c>Authentication-Results</c> field.
/// </summary>
public sealed class DkimVerification(IDnsLookup dns, ILogger<DkimVerification> logger)
{
    /// <summary>Signatures checked per message; more are not checked (a cheap DoS otherwise).</summary>
    public const int MaxSignatures = 5;

    /// <summary>
    /// The result of each signature (at most <see cref="MaxSignatures"/>); empty when the message has none. The common
    /// signature is checked on the bytes as they arrived (<see cref="DkimRawVerifier"/>); any other goes to MimeKit's
    /// verifier on the parsed message, which <paramref name="parsed"/> gives (null when the message does not parse);
    /// the message is parsed only if one of those is there.
    /// </summary>
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(ReadOnlyMemory<byte> raw, Lazy<MimeMessage?> parsed, CancellationToken cancellationToken)
    {
        var fields = new List<DkimRawVerifier.Field>();
        if (!DkimRawVerifier.TryReadHeader(raw.Span, fields, out var bodyStart))
            return parsed.Value is { } message ? await VerifyAsync(message, cancellationToken).ConfigureAwait(false) : [];
        var signatures = fields.Where(f => Ascii.EqualsIgnoreCase(raw.Span.Slice(f.Start, f.NameLength), "DKIM-Signature"u8)).Take(MaxSignatures).ToList();
        if (signatures.Count == 0)
            return [];
        var locator = new DnsDkimPublicKeyLocator(dns);
        var bodyHashes = new Dictionary<bool, string>();
        var results = new List<DkimSignatureResult>(signatures.Count);
        for (var n = 0; n < signatures.Count; n++)
        {
            var field = signatures[n];
            var value = raw.Span[field.ValueStart..field.End];
            var tags = value.IndexOfAnyInRange((byte)0x80, (byte)0xff) < 0 ? DkimRawVerifier.ParseTags(Encoding.ASCII.GetString(value)) : null;
            var signature = tags is null ? null : DkimRawVerifier.Read(tags);
            var described = Describe(tags ?? []);
            if (signature is not null && !DkimRawVerifier.HasBareLineEnds(raw.Span[bodyStart..]))
            {
                var outcome = await Evaluate(async () =>
                {
                    if (!bodyHashes.TryGetValue(signature.RelaxedBody, out var bodyHash))
                        bodyHashes[signature.RelaxedBody] = bodyHash = DkimRawVerifier.BodyHash(raw.Span[bodyStart..], signature.RelaxedBody);
                    // MimeKit's order: the body hash first, so a changed body fails even where the key cannot be found.
                    if (bodyHash != signature.BodyHash)
                        return "fail";
                    var key = await locator.LocatePublicKeyAsync(signature.Methods, signature.Domain, signature.Selector, cancellationToken).ConfigureAwait(false);
                    if (!DkimRawVerifier.IsRsa(key) || DkimRawVerifier.SignedData(raw.Span, fields, field, signature) is not { } data)
                        return null;
                    return DkimRawVerifier.VerifyRsa((Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters)key, data, signature.Value) ? "pass" : "fail";
                }, cancellationToken).ConfigureAwait(false);
                if (outcome is not null)
                {
                    results.Add(described with { Result = outcome });
                    continue;
                }
            }
            // The same field as MimeKit numbers them: the n-th DKIM-Signature of the header.
            var message = parsed.Value;
            var header = message?.Headers.Where(h => h.Id == HeaderId.DkimSignature).ElementAtOrDefault(n);
            results.Add(header is null
                ? described with { Result = "permerror" }
                : await VerifyOneAsync(new DkimVerifier(locator), message!, header, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>The result of each signature (at most <see cref="MaxSignatures"/>) of a parsed message, by MimeKit's verifier; empty when it has none.</summary>
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var signatures = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures).ToList();
        if (signatures.Count == 0)
            return [];
        var verifier = new DkimVerifier(new DnsDkimPublicKeyLocator(dns));
        var results = new List<DkimSignatureResult>(signatures.Count);
        foreach (var signature in signatures)
            results.Add(await VerifyOneAsync(verifier, message, signature, cancellationToken).ConfigureAwait(false));
        return results;
    }

    /// <summary>True when a line of the header section (RFC 5322 §2.2: up to the first empty line) starts a <paramref name="name"/> field (lower case).</summary>
    internal static bool HasField(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> name)
    {
        while (raw.Length > 0 && raw[0] is not (byte)'\r' and not (byte)'\n')
        {
            if (raw.Length > name.Length && Ascii.EqualsIgnoreCase(raw[..name.Length], name) && raw[name.Length..].TrimStart(" \t"u8) is [(byte)':', ..])
                return true;
            var end = raw.IndexOf((byte)'\n');
            if (end < 0)
                return false;
            raw = raw[(end + 1)..];
        }
        return false;
    }

    private async Task<DkimSignatureResult> VerifyOneAsync(DkimVerifier verifier, MimeMessage message, Header signature, CancellationToken cancellationToken)
    {
        var described = Describe(ParseTags(signature.Value));
        var result = await Evaluate(async () => await verifier.VerifyAsync(message, signature, cancellationToken).ConfigureAwait(false) ? "pass" : "fail", cancellationToken).ConfigureAwait(false);
        return described with { Result = result! };
    }

    /// <summary>The signature's d=, s= and the start of b= (RFC 6008), sanitised, with no result yet.</summary>
    private static DkimSignatureResult Describe(IReadOnlyDictionary<string, string> tags)
    {
        var d = tags.TryGetValue("d", out var domain) ? Sanitize(domain) : null;
        var s = tags.TryGetValue("s", out var selector) ? Sanitize(selector) : null;
        // RFC 6008: the first characters of b= tell several signatures apart.
        var b = tags.TryGetValue("b", out var value) ? Sanitize(new string(value.Where(c => !char.IsWhiteSpace(c)).Take(8).ToArray())) : null;
        return new DkimSignatureResult("", string.IsNullOrEmpty(d) ? null : d.ToLowerInvariant(), string.IsNullOrEmpty(s) ? null : s, string.IsNullOrEmpty(b) ? null : b);
    }

    /// <summary>Runs one check, turning what it throws into the result RFC 8601 §2.7.1 gives it.</summary>
    private async Task<string?> Evaluate(Func<Task<string?>> check, CancellationToken cancellationToken)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (DnsLookupException e)
        {
            logger.LogDebug("DKIM key lookup failed temporarily: {Error}", e.Message);
            return "temperror";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The token carries the message's DNS budget; the caller tells that apart from a shutdown.
            return "temperror";
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Whatever a crafted signature or key makes the verifier throw (bad tags, unknown algorithm,
            // missing or malformed key) must not fail the delivery.
            // RFC 8601 §2.7.1: a signature that cannot be evaluated (bad tags, missing key) is permerror.
            logger.LogDebug("DKIM signature could not be evaluated: {Error}", e.Message);
            return "permerror";
        }
    }

    private static Dictionary<string, string> ParseTags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in value.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0)
                tags.TryAdd(part[..eq].Trim(), part[(eq + 1)..].Trim());
        }
        return tags;
    }

    /// <summary>Keeps header property values to token characters so a crafted signature cannot inject into the header.</summary>
    internal static string Sanitize(string value) =>
        new(value.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+' or '/' or '=').Take(253).ToArray());
}
