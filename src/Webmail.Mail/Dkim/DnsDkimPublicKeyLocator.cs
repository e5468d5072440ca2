using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Dkim;

/// <summary>Finds DKIM public keys in DNS TXT records at <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2).</summary>
public sealed class DnsDkimPublicKeyLocator(IDnsLookup dns) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        var records = await dns.LookupTxtAsync($"{selector}._domainkey.{domain}", cancellationToken).ConfigureAwait(false);
        // RFC 6376 §3.6.2.2: several TXT records make the result undefined; take the first one with a key.
        var record = records.FirstOrDefault(r => r.Contains("p=", StringComparison.Ordinal))
            ?? throw new DkimKeyNotFoundException($"No DKIM key at {selector}._domainkey.{domain}.");
        return GetPublicKey(record);
    }
}
