using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Mail.Outbound.MtaSts;

/// <summary>
/// RFC 8461 §3.3 and §4.2: the policy host's and an enforced MX host's certificate must chain to a trusted root (PKIX,
/// RFC 5280) and be valid for the host name asked for (RFC 6125; the TLS layer has already compared the name).
/// Trusted roots are the system's, or only <c>Webmail:Delivery:MtaSts:TestTrustedRoot</c> when a test sets it.
/// </summary>
public sealed class PkixCertificateCheck(IOptionsMonitor<WebmailOptions> options)
{
    private readonly Lock _gate = new();
    private (string Path, X509Certificate2 Root)? _testRoot;

    /// <summary>Why the certificate is not acceptable, or null when it is.</summary>
    /// <param name="certificate">What the server presented.</param>
    /// <param name="chain">The chain the TLS layer built (its extra certificates are used as intermediates).</param>
    /// <param name="errors">What the TLS layer found against the system's roots and the host name.</param>
    public string? Problem(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return "the server presented no certificate";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return "the certificate is not valid for the host name";
        if (!errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            return null;
        var root = TestRoot();
        if (root is null)
            return "the certificate does not chain to a trusted root (" + Describe(chain) + ")";

        // Test only: build the chain again with the test root as the one trust anchor.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(root);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf) ? null : "the certificate does not chain to a trusted root (" + Describe(custom) + ")";
    }

    private static string Describe(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList() ?? [];
        return statuses.Count == 0 ? "untrusted" : string.Join(", ", statuses);
    }

    private X509Certificate2? TestRoot()
    {
        var path = options.CurrentValue.Delivery.MtaSts.TestTrustedRoot;
        if (string.IsNullOrWhiteSpace(path))
            return null;
        lock (_gate)
        {
            if (_testRoot is not { } loaded || loaded.Path != path)
                _testRoot = loaded = (path, X509CertificateLoader.LoadCertificateFromFile(path));
            return loaded.Root;
        }
    }
}
