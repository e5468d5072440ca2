using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Core.Hosting;

/// <summary>
/// What every POP3 and IMAP listener and session shares whatever its protocol: the directory, the
/// credential check, the TLS certificate, the settings, the clock and the loggers.
/// </summary>
public abstract class MailServerContext(
    IDirectoryStore directory,
    CredentialVerifier credentials,
    CertificateProvider certificates,
    IOptionsMonitor<WebmailOptions> options,
    TimeProvider time,
    ILoggerFactory loggers)
{
    /// <summary>The accounts, for logins and for re-reading an account during its session.</summary>
    public IDirectoryStore Directory { get; } = directory;

    /// <summary>The password check, with its login throttle and audit.</summary>
    public CredentialVerifier Credentials { get; } = credentials;

    /// <summary>The certificate for implicit TLS and STARTTLS / STLS.</summary>
    public CertificateProvider Certificates { get; } = certificates;

    /// <summary>The clock sessions read time from.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Where listeners and sessions get their loggers.</summary>
    public ILoggerFactory Loggers { get; } = loggers;

    /// <summary>The settings as they are now (they may change while the server runs).</summary>
    public WebmailOptions Options => options.CurrentValue;

    /// <summary>Time allowed for the TLS handshake of an implicit-TLS connection or after STARTTLS / STLS. Default 30 seconds.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
