using SmtpServer.Protocol;

namespace Webmail.Smtp;

/// <summary>The replies this server gives, with RFC 3463 enhanced status codes (advertised as ENHANCEDSTATUSCODES, RFC 2034).</summary>
internal static class SmtpReplies
{
    public static readonly SmtpResponse UnknownUser = new(Code(550), "5.1.1 No such user here");
    public static readonly SmtpResponse RelayDenied = new(Code(550), "5.7.1 Relaying denied");
    public static readonly SmtpResponse BadRecipientSyntax = new(Code(553), "5.1.3 Bad recipient address syntax");
    public static readonly SmtpResponse BadSenderSyntax = new(Code(553), "5.1.7 Bad sender address syntax");
    public static readonly SmtpResponse TooManyRecipients = new(Code(452), "4.5.3 Too many recipients");
    public static readonly SmtpResponse QuotaExceeded = new(Code(552), "5.2.2 Mailbox full");
    public static readonly SmtpResponse SenderNotAllowed = new(Code(553), "5.7.1 Sender address not owned by the authenticated account");
    // RFC 3463 X.7.1: delivery not authorized. Our own domains' mail comes through authenticated submission.
    public static readonly SmtpResponse LocalSenderRefused = new(Code(550), "5.7.1 Mail from a local domain must be sent with authentication");
    // RFC 5321 §4.5.3.1.10: "501 Path too long"; RFC 3463 X.1.7 / X.1.3: bad sender's / destination mailbox syntax.
    public static readonly SmtpResponse SenderPathTooLong = new(Code(501), "5.1.7 Path too long");
    public static readonly SmtpResponse RecipientPathTooLong = new(Code(501), "5.1.3 Path too long");
    public static readonly SmtpResponse AuthenticationRequired = new(Code(530), "5.7.0 Authentication required");
    public static readonly SmtpResponse EncryptionRequired = new(Code(538), "5.7.11 Encryption required for requested authentication mechanism");
    public static readonly SmtpResponse InvalidCredentials = new(Code(535), "5.7.8 Authentication credentials invalid");
    /// <summary>RFC 4954 §6: 535 5.7.8, with the reason a person can act on.</summary>
    public static readonly SmtpResponse AppPasswordRequired = new(Code(535), "5.7.8 Two-factor sign-in is on for this account: use an app password (web Settings, App passwords)");
    public static readonly SmtpResponse AuthThrottled = new(Code(454), "4.7.0 Too many failed logins, try again later");
    public static readonly SmtpResponse AuthUnavailable = new(Code(454), "4.7.0 Temporary authentication failure");
    public static readonly SmtpResponse BareNewline = new(Code(550), "5.6.0 Message contains bare CR or LF (only CRLF line ends are accepted)");
    // RFC 5321 §4.5.3.1 lets a server limit what it accepts; RFC 3463 X.3.4: too big for the system.
    public static readonly SmtpResponse HeaderTooLarge = new(Code(552), "5.3.4 Message header too large");
    // RFC 3463 X.3.4 again: too many MIME parts to relay (the outbound queue parses what it signs and sends).
    public static readonly SmtpResponse TooComplexToRelay = new(Code(552), $"5.3.4 Message too complex to relay (more than {Webmail.Mail.Delivery.DeliveryPipeline.MaxOutboundMimeParts:N0} MIME parts)");
    // RFC 5321 §4.2.3: 452 insufficient system storage; RFC 3463 X.3.1: mail system full. The sender retries.
    public static readonly SmtpResponse InsufficientStorage = new(Code(452), "4.3.1 Insufficient system storage, try again later");
    public static readonly SmtpResponse StorageFailure = new(Code(451), "4.3.0 Temporary storage failure, try again later");
    /// <summary>
    /// RFC 5429 §2.1: a Sieve reject or ereject made in the transaction; RFC 3463 X.7.1, delivery not authorized. The
    /// script's reason is the user's text: one line of printable ASCII, at most 200 characters.
    /// </summary>
    public static SmtpResponse RejectedByFilter(string reason)
    {
        var line = OneLine(reason);
        return new(Code(550), "5.7.1 " + (line.Length > 0 ? line : "Rejected by the recipient's mail filter"));
    }

    /// <summary>
    /// A sender check that could not be made (DNS) or a content scanner's soft reject: RFC 3463 X.7.1 as a temporary
    /// failure, so the sender tries again; never a permanent refusal, never a silent pass.
    /// </summary>
    public static SmtpResponse Deferred(string reason)
    {
        var line = OneLine(reason);
        return new(Code(451), "4.7.1 " + (line.Length > 0 ? line : "Try again later"));
    }

    // RFC 7372 §3.2: X.7.24, "SPF validation error", for an SPF check that could not be completed (temperror).
    public static readonly SmtpResponse SpfTempError = new(Code(451), "4.7.24 SPF check failed temporarily (DNS), try again later");

    private static string OneLine(string reason) =>
        new string(reason.ReplaceLineEndings(" ").Select(c => c is >= ' ' and < '\x7f' ? c : '?').Take(200).ToArray()).Trim();

    public static readonly SmtpResponse NoValidRecipients = new(Code(554), "5.5.1 No valid recipients");
    public static readonly SmtpResponse LineTooLong = new(Code(500), "5.5.2 Line too long");
    // RFC 4954 §6: 501 5.5.2 a client response that cannot be base64-decoded; 500 5.5.6 an exchange line too long.
    public static readonly SmtpResponse AuthBadBase64 = new(Code(501), "5.5.2 Cannot Base64-decode client responses");
    public static readonly SmtpResponse AuthMalformedPlain = new(Code(501), "5.5.2 Malformed PLAIN response");
    public static readonly SmtpResponse AuthLineTooLong = new(Code(500), "5.5.6 Authentication exchange line is too long");
    // RFC 4954 §4: a "*" cancels the exchange and MUST be answered with 501.
    public static readonly SmtpResponse AuthCancelled = new(Code(501), "5.7.0 Authentication exchange cancelled by the client");
    // RFC 5321 §3.1: after a 554 opening, every command but QUIT is answered 503.
    public static readonly SmtpResponse RefusedAtConnect = new(Code(503), "5.5.1 Bad sequence of commands: this connection was refused, send QUIT");
    public static readonly SmtpResponse TooManyConnections = new(Code(421), "4.7.0 Too many connections from your address");

    public static SmtpResponse Accepted(string id) => new(Code(250), "2.0.0 Ok: queued as " + id);

    // The library's enum names do not all match RFC 5321 §4.2.3 (its ExceededStorage is 422), so codes are spelled out.
    private static SmtpReplyCode Code(int code) => (SmtpReplyCode)code;
}
