using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Webmail.Core.Configuration;
using Webmail.Mail.Delivery;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Dkim;

/// <summary>
/// Verifies the DKIM signatures of mail arriving from outside with MimeKit's <see cref="DkimVerifier"/>
/// and records the outcome in an <c>Authentication-Results</c> header (RFC 8601) whose authserv-id is
/// <c>Webmail:Hostname</c>.
/// </summary>
public sealed class DkimAuthenticationStamp(IDnsLookup dns, IOptionsMonitor<WebmailOptions> options, ILogger<DkimAuthenticationStamp> logger) : IInboundHeaderStamp
{
    /// <summary>Signatures checked per message; more are reported as not checked (a cheap DoS otherwise).</summary>
    public const int MaxSignatures = 5;

    public async Task<string?> StampAsync(ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
    {
        var hostname = options.CurrentValue.Hostname;
        // Most of the cost of an unsigned message would be parsing it only to find no signature.
        if (!HasSignatureField(raw.Span))
            return $"Authentication-Results: {hostname}; dkim=none\r\n";

        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(raw.ToArray(), writable: false);
            message = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            logger.LogDebug("DKIM check skipped, message does not parse: {Error}", e.Message);
            return $"Authentication-Results: {hostname}; dkim=none (message does not parse)\r\n";
        }

        var signatures = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures).ToList();
        if (signatures.Count == 0)
            return $"Authentication-Results: {hostname}; dkim=none\r\n";

        var verifier = new DkimVerifier(new DnsDkimPublicKeyLocator(dns));
        var results = new List<string>();
        foreach (var signature in signatures)
            results.Add(await VerifyOneAsync(verifier, message, signature, cancellationToken).ConfigureAwait(false));

        var header = new StringBuilder("Authentication-Results: ").Append(hostname);
        foreach (var result in results)
            header.Append(";\r\n\t").Append(result);
        return header.Append("\r\n").ToString();
    }

    /// <summary>True when a line of the header section (RFC 5322 §2.2: up to the first empty line) starts a DKIM-Signature field.</summary>
    internal static bool HasSignatureField(ReadOnlySpan<byte> raw)
    {
        var name = "dkim-signature"u8;
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

    private async Task<string> VerifyOneAsync(DkimVerifier verifier, MimeMessage message, Header signature, CancellationToken cancellationToken)
    {
        var tags = ParseTags(signature.Value);
        var properties = new StringBuilder();
        if (tags.TryGetValue("d", out var d))
            properties.Append(" header.d=").Append(Sanitize(d));
        if (tags.TryGetValue("s", out var s))
            properties.Append(" header.s=").Append(Sanitize(s));
        if (tags.TryGetValue("b", out var b))
        {
            // RFC 6008: the first characters of b= tell several signatures apart.
            var compact = new string(b.Where(c => !char.IsWhiteSpace(c)).Take(8).ToArray());
            properties.Append(" header.b=\"").Append(Sanitize(compact)).Append('"');
        }

        string result;
        try
        {
            result = await verifier.VerifyAsync(message, signature, cancellationToken).ConfigureAwait(false) ? "pass" : "fail";
        }
        catch (DnsLookupException e)
        {
            logger.LogDebug("DKIM key lookup failed temporarily: {Error}", e.Message);
            result = "temperror";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever a crafted signature or key makes the verifier throw (bad tags, unknown algorithm,
            // missing or malformed key) must not fail the delivery.
            // RFC 8601 §2.7.1: a signature that cannot be evaluated (bad tags, missing key) is permerror.
            logger.LogDebug("DKIM signature could not be evaluated: {Error}", e.Message);
            result = "permerror";
        }
        return "dkim=" + result + properties;
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
    private static string Sanitize(string value) =>
        new(value.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+' or '/' or '=').Take(253).ToArray());
}
