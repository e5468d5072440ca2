using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Core.Hosting;

/// <summary>
/// The TLS certificate for STARTTLS/STLS and implicit-TLS listeners: the configured PFX, or a
/// self-signed one generated in the data directory on first start and reused afterwards.
/// </summary>
public sealed class CertificateProvider(IOptions<WebmailOptions> options, DataPaths paths, ILogger<CertificateProvider> logger)
{
    private readonly Lazy<X509Certificate2> _certificate = new(() => Load(options.Value, paths, logger));

    public X509Certificate2 Certificate => _certificate.Value;

    private static X509Certificate2 Load(WebmailOptions options, DataPaths paths, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(options.Tls.CertificatePath))
            return X509CertificateLoader.LoadPkcs12FromFile(options.Tls.CertificatePath, options.Tls.CertificatePassword);

        var path = Path.Combine(paths.DataDirectory, "tls-selfsigned.pfx");
        if (File.Exists(path))
            return X509CertificateLoader.LoadPkcs12FromFile(path, null);

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={options.Hostname}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(options.Hostname);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        var pfx = generated.Export(X509ContentType.Pfx);
        var temp = path + ".tmp";
        WritePrivateFile(temp, pfx);
        File.Move(temp, path, overwrite: true);
        logger.LogInformation("Generated a self-signed TLS certificate for {Hostname} at {Path}", options.Hostname, path);
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }

    /// <summary>The PFX holds the private key under an empty password: created 0600, never readable by others even for a moment.</summary>
    private static void WritePrivateFile(string path, byte[] bytes)
    {
        // A left-over temp file would keep its old mode: the mode applies only on creation.
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = DataDirectoryPermissions.FileMode;
        using var file = new FileStream(path, options);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }
}

/// <summary>The resolved data directory, created owner-only (0700) if it does not exist.</summary>
public sealed class DataPaths
{
    public DataPaths(string dataDirectory)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        DataDirectoryPermissions.CreateDirectory(DataDirectory);
    }

    public string DataDirectory { get; }
    public string DatabasePath => Path.Combine(DataDirectory, "webmail.db");
}
