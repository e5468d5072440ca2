using System.Security.Cryptography;
using Webmail.Core.Accounts;
using Webmail.Core.Messages;
using Webmail.Core.Storage;

namespace Webmail.Mail.Dkim;

/// <summary>
/// Generates and reads the per-domain DKIM keys (RSA 2048, rsa-sha256). The private key stays in
/// the store; the public half is shown as the TXT record to publish. Used by the CLI
/// (<c>Webmail dkim generate</c>) and the admin UI.
/// </summary>
public sealed class DkimKeyService(IDirectoryStore directory, TimeProvider time)
{
    public const int KeyBits = 2048;

    /// <summary>Creates a new key pair for <paramref name="domain"/> (replacing any earlier one) and returns the record to publish.</summary>
    /// <exception cref="DirectoryException">The domain is not one of ours.</exception>
    public async Task<DkimDnsRecord> GenerateAsync(string domain, string actor, CancellationToken cancellationToken)
    {
        if (!AddressRules.TryNormalizeDomain(domain, out var name) || await directory.FindDomainAsync(name, cancellationToken).ConfigureAwait(false) is null)
            throw new DirectoryException($"The domain {domain} does not exist.", "name", DirectoryProblem.NotFound);
        // A new selector per key lets the old record stay published while signed mail is in flight.
        var selector = "wm" + time.GetUtcNow().ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        using var rsa = RSA.Create(KeyBits);
        var pem = rsa.ExportRSAPrivateKeyPem();
        // The key and its audit row commit together.
        await directory.SetDkimKeyAsync(name, selector, pem, new AuditRecord(actor, "dkim.generate", name, "selector " + selector), cancellationToken).ConfigureAwait(false);
        return RecordFor(name, selector, pem);
    }

    /// <summary>The record for the domain's current key, or <c>null</c> when it has none.</summary>
    public async Task<DkimDnsRecord?> GetRecordAsync(string domain, CancellationToken cancellationToken)
    {
        var key = await directory.GetDkimKeyAsync(domain, cancellationToken).ConfigureAwait(false);
        return key is { } k ? RecordFor(domain.ToLowerInvariant(), k.Selector, k.PrivateKeyPem) : null;
    }

    public static DkimDnsRecord RecordFor(string domain, string selector, string privateKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        // RFC 6376 §3.6.1: p= is the base64 SubjectPublicKeyInfo.
        var publicKey = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        return new DkimDnsRecord(domain, selector, $"v=DKIM1; k=rsa; p={publicKey}");
    }
}
