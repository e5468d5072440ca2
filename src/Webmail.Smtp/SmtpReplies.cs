using SmtpServer.Protocol;

namespace Webmail.Smtp;

/// <summary>The replies this server gives, with RFC 3463 enhanced status codes (advertised as ENHANCEDSTATUSCODES, RFC 2034).</summary>
internal static class SmtpReplies
{
    public static readonly SmtpResponse Ok = new(SmtpReplyCode.Ok, "2.1.0 Ok");
    public static readonly SmtpResponse RecipientOk = new(SmtpReplyCode.Ok, "2.1.5 Ok");
    public static readonly SmtpResponse UnknownUser = new(SmtpReplyCode.MailboxUnavailable, "5.1.1 No such user here");
    public static readonly SmtpResponse RelayDenied = new(SmtpReplyCode.MailboxUnavailable, "5.7.1 Relaying denied");
    public static readonly SmtpResponse BadRecipientSyntax = new(SmtpReplyCode.MailboxNameNotAllowed, "5.1.3 Bad recipient address syntax");
    public static readonly SmtpResponse BadSenderSyntax = new(SmtpReplyCode.MailboxNameNotAllowed, "5.1.7 Bad sender address syntax");
    public static readonly SmtpResponse TooManyRecipients = new(SmtpReplyCode.InsufficientStorage, "4.5.3 Too many recipients");
    public static readonly SmtpResponse QuotaExceeded = new(SmtpReplyCode.ExceededStorage, "5.2.2 Mailbox full");
    public static readonly SmtpResponse SenderNotAllowed = new(SmtpReplyCode.MailboxNameNotAllowed, "5.7.1 Sender address not owned by the authenticated account");
    public static readonly SmtpResponse AuthenticationRequired = new(SmtpReplyCode.AuthenticationRequired, "5.7.0 Authentication required");
    public static readonly SmtpResponse EncryptionRequired = new((SmtpReplyCode)538, "5.7.11 Encryption required for requested authentication mechanism");
    public static readonly SmtpResponse InvalidCredentials = new(SmtpReplyCode.AuthenticationFailed, "5.7.8 Authentication credentials invalid");
    public static readonly SmtpResponse AuthThrottled = new((SmtpReplyCode)454, "4.7.0 Too many failed logins, try again later");
    public static readonly SmtpResponse BareNewline = new((SmtpReplyCode)550, "5.6.0 Message contains bare CR or LF (only CRLF line ends are accepted)");
    public static readonly SmtpResponse StorageFailure = new((SmtpReplyCode)451, "4.3.0 Temporary storage failure, try again later");
    public static readonly SmtpResponse NoValidRecipients = new(SmtpReplyCode.TransactionFailed, "5.5.1 No valid recipients");
    public static readonly SmtpResponse LineTooLong = new(SmtpReplyCode.CommandUnrecognized, "5.5.2 Line too long");
    public static readonly SmtpResponse TooManyConnections = new(SmtpReplyCode.ServiceUnavailable, "4.7.0 Too many connections from your address");

    public static SmtpResponse Accepted(string id) => new(SmtpReplyCode.Ok, "2.0.0 Ok: queued as " + id);
}
