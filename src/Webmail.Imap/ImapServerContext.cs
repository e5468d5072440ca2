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
    : MailServerContext(directory, credentials, certificates, options, time, loggers)
{
    /// <summary>The IMAP view of the message store: UIDs, modseqs and flags.</summary>
    public IImapStore Store { get; } = store;

    /// <summary>Reads folders and messages.</summary>
    public IMailboxReader Reader { get; } = reader;

    /// <summary>Changes mailboxes: flags, moves, deletions and the account's folders.</summary>
    public IMailboxWriter Writer { get; } = writer;

    /// <summary>Tells open sessions (IDLE, NOOP) of changes to their mailbox.</summary>
    public MailboxNotifier Notifier { get; } = notifier;

    /// <summary>Connections not logged in yet, per address (<see cref="Core.Configuration.LimitOptions.MaxImapUnauthenticatedPerIp"/>) and in all.</summary>
    public ConnectionCounter Unauthenticated { get; } = new();

    /// <summary>Logged-in sessions per account and address.</summary>
    public AccountSessionCounter Authenticated { get; } = new();

    /// <summary>How long a response may wait for a client that does not read it (RFC 9051 leaves this to the server). Default 5 minutes.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
