using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Notifications;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Imap;

/// <summary>What every IMAP session shares: the store, the credential check, the notifier, limits and options.</summary>
public sealed class ImapServerContext(
    IImapStore store,
    IMailboxReader reader,
    IMailboxWriter writer,
    IDirectoryStore directory,
    CredentialVerifier credentials,
    CertificateProvider certificates,
    MailboxNotifier notifier,
    IOptionsMonitor<WebmailOptions> options,
    TimeProvider time,
    ILoggerFactory loggers)
{
    public IImapStore Store { get; } = store;
    public IMailboxReader Reader { get; } = reader;
    public IMailboxWriter Writer { get; } = writer;
    public IDirectoryStore Directory { get; } = directory;
    public CredentialVerifier Credentials { get; } = credentials;
    public CertificateProvider Certificates { get; } = certificates;
    public MailboxNotifier Notifier { get; } = notifier;
    public TimeProvider Time { get; } = time;
    public ILoggerFactory Loggers { get; } = loggers;
    public WebmailOptions Options => options.CurrentValue;

    /// <summary>Connections not logged in yet, per address (<see cref="Core.Configuration.LimitOptions.MaxImapUnauthenticatedPerIp"/>) and in all.</summary>
    public ConnectionCounter Unauthenticated { get; } = new();

    /// <summary>Logged-in sessions per account and address.</summary>
    public AccountSessionCounter Authenticated { get; } = new();

    /// <summary>How long a response may wait for a client that does not read it (RFC 9051 leaves this to the server). Default 5 minutes.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a TLS handshake may take.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
