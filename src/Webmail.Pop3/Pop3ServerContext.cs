using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Pop3.Net;
using Webmail.Pop3.Protocol;

namespace Webmail.Pop3;

/// <summary>What every POP3 listener and session shares: the store, the credential check, the locks and the settings.</summary>
public sealed class Pop3ServerContext(
    IMaildropStore maildrop,
    IDirectoryStore directory,
    CredentialVerifier credentials,
    CertificateProvider certificates,
    MaildropLocks locks,
    ConnectionCounter connections,
    IOptionsMonitor<WebmailOptions> options,
    TimeProvider time,
    ILoggerFactory loggers)
{
    public IMaildropStore Maildrop { get; } = maildrop;
    public IDirectoryStore Directory { get; } = directory;
    public CredentialVerifier Credentials { get; } = credentials;
    public CertificateProvider Certificates { get; } = certificates;
    public MaildropLocks Locks { get; } = locks;
    public ConnectionCounter Connections { get; } = connections;
    public TimeProvider Time { get; } = time;
    public ILoggerFactory Loggers { get; } = loggers;
    public WebmailOptions Options => options.CurrentValue;

    /// <summary>
    /// How often an open session re-reads its account, so that disabling or removing an account
    /// ends its sessions within a minute. Default 30 seconds.
    /// </summary>
    public TimeSpan AccountCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for the TLS handshake of an implicit-TLS connection or after STLS. Default 30 seconds.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
