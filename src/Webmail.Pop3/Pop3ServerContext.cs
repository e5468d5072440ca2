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
    : MailServerContext(directory, credentials, certificates, options, time, loggers)
{
    /// <summary>The maildrop view of the message store: the INBOX as POP3 lists and deletes it.</summary>
    public IMaildropStore Maildrop { get; } = maildrop;

    /// <summary>One session at a time per maildrop (RFC 1939 §4: the maildrop is locked once a session has authenticated).</summary>
    public MaildropLocks Locks { get; } = locks;

    /// <summary>Open connections per address and in all (<c>MaxSessionsPerIp</c>, <c>MaxPop3Sessions</c>).</summary>
    public ConnectionCounter Connections { get; } = connections;

    /// <summary>
    /// How often an open session re-reads its account, so that disabling or removing an account
    /// ends its sessions within a minute. Default 30 seconds.
    /// </summary>
    public TimeSpan AccountCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
