using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Cryptography;
using Webmail.Core.Messages;
using Webmail.Core.Storage;

namespace Webmail.Mail.Dkim;

/// <summary>
/// Signs outbound mail with the From domain's key (MimeKit <see cref="DkimSigner"/>,
/// relaxed/relaxed, rsa-sha256) when that domain has one.
/// </summary>
public sealed class DkimMessageSigner(IDirectoryStore directory, ILogger<DkimMessageSigner> logger)
{
    /// <summary>RFC 6376 §5.4.1: the headers worth protecting; From is required.</summary>
    private static readonly string[] SignedHeaders =
        ["From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc", "MIME-Version", "Content-Type",
         "Content-Transfer-Encoding", "In-Reply-To", "References", "List-Id", "List-Unsubscribe"];

    /// <summary>Loaded signers by domain: parsing the PEM costs far more than signing, so a key is loaded once until it changes.</summary>
    private readonly ConcurrentDictionary<string, (string Selector, string Pem, DkimSigner Signer)> _signers = new(StringComparer.OrdinalIgnoreCase);

    private DkimSigner SignerFor(string domain, string selector, string privateKeyPem)
    {
        if (_signers.TryGetValue(domain, out var cached) && cached.Selector == selector && cached.Pem == privateKeyPem)
            return cached.Signer;
        using var pem = new MemoryStream(Encoding.ASCII.GetBytes(privateKeyPem));
        var signer = new DkimSigner(pem, domain, selector, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            QueryMethod = "dns/txt",
        };
        _signers[domain] = (selector, privateKeyPem, signer);
        return signer;
    }

    /// <returns>True when a DKIM-Signature header was added.</returns>
    public async Task<bool> SignAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var from = message.From.Mailboxes.FirstOrDefault();
        if (from is null)
            return false;
        var domain = AddressRules.DomainOf(from.Address);
        var key = await directory.GetDkimKeyAsync(domain, cancellationToken).ConfigureAwait(false);
        if (key is not { } k)
            return false;
        var signer = SignerFor(domain, k.Selector, k.PrivateKeyPem);
        var present = SignedHeaders.Where(h => message.Headers.Contains(h)).ToList();
        signer.Sign(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, message, present);
        logger.LogDebug("Signed {MessageId} for {Domain} with selector {Selector}", message.MessageId, domain, k.Selector);
        return true;
    }
}
