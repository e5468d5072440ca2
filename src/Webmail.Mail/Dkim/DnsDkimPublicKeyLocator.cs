using System.Collections.Concurrent;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Dkim;

/// <summary>Finds DKIM public keys in DNS TXT records at <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2).</summary>
public sealed class DnsDkimPublicKeyLocator(IDnsLookup dns) : DkimPublicKeyLocatorBase
{
    /// <summary>Distinct key records whose parsed keys are kept.</summary>
    private const int MaxParsedKeys = 1024;

    // Parsing a record costs about 25 ms of CPU (BouncyCastle checks an RSA modulus with a primality test), far more than
    // the rest of a verification: keys are kept by their record text. The DNS question is still asked every time (its
    // answer cached for its TTL by the resolver), so a rotated key is seen as soon as DNS says so.
    private static readonly ConcurrentDictionary<string, AsymmetricKeyParameter> Parsed = new(StringComparer.Ordinal);

    /// <summary>True once a key's DNS lookup failed (a timeout, a server failure): no answer, rather than no key.</summary>
    public bool DnsFailed { get; private set; }

    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> records;
        try
        {
            records = await dns.LookupTxtAsync($"{selector}._domainkey.{domain}", cancellationToken).ConfigureAwait(false);
        }
        catch (DnsLookupException)
        {
            // A verifier that turns every exception into a failed signature (MimeKit's ARC verifier) hides this; the
            // caller asks DnsFailed afterwards.
            DnsFailed = true;
            throw;
        }
        // RFC 6376 §3.6.2.2: several TXT records make the result undefined; take the first one with a key.
        var record = records.FirstOrDefault(r => r.Contains("p=", StringComparison.Ordinal))
            ?? throw new DkimKeyNotFoundException($"No DKIM key at {selector}._domainkey.{domain}.");
        if (Parsed.TryGetValue(record, out var key))
            return key;
        key = GetPublicKey(record);
        if (Parsed.Count >= MaxParsedKeys)
            Parsed.Clear();
        Parsed[record] = key;
        return key;
    }
}
