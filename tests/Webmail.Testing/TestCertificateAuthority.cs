using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Webmail.Testing;

/// <summary>
/// A certificate authority made for one test: a root (written as PEM to <see cref="RootPemPath"/>, for
/// <c>Webmail:Delivery:MtaSts:TestTrustedRoot</c>) and server certificates it signs for given host names. Also makes
/// self-signed certificates, which must not be trusted.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly TempDirectory _directory = new("webmail-ca");
    private readonly X509Certificate2 _root;

    public TestCertificateAuthority()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Webmail Test Root", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        RootPemPath = Path.Combine(_directory.Path, "root.pem");
        File.WriteAllText(RootPemPath, _root.ExportCertificatePem());
    }

    public string RootPemPath { get; }

    /// <summary>A server certificate (with its key) for <paramref name="hosts"/>, signed by this root.</summary>
    public X509Certificate2 Issue(params string[] hosts)
    {
        using var key = RSA.Create(2048);
        var request = ServerRequest(key, hosts);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(_root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A self-signed server certificate for <paramref name="hosts"/>: right name, no trusted issuer.</summary>
    public static X509Certificate2 SelfSigned(params string[] hosts)
    {
        using var key = RSA.Create(2048);
        using var generated = ServerRequest(key, hosts).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pfx), null);
    }

    private static CertificateRequest ServerRequest(RSA key, string[] hosts)
    {
        var request = new CertificateRequest($"CN={hosts[0]}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var address))
                names.AddIpAddress(address);
            else
                names.AddDnsName(host);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request;
    }

    public void Dispose()
    {
        _root.Dispose();
        _directory.Dispose();
    }
}
