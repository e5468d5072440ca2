using System.Net;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Mail.Delivery;

/// <summary>Where a message came from, for its <c>Received</c> trace header (RFC 5321 §4.4).</summary>
/// <param name="Via">How it arrived: <c>smtp</c> (SMTP listener) or <c>web</c> (web compose).</param>
/// <param name="HeloName">What the client said in HELO/EHLO, if it came over SMTP.</param>
/// <param name="Tls">The session was protected by TLS.</param>
public sealed record DeliveryOrigin(string Via, IPAddress? RemoteIp = null, string? HeloName = null, bool Tls = false)
{
    public static readonly DeliveryOrigin Web = new("web");
}

/// <summary>Mail from outside (MX role): the SMTP envelope.</summary>
/// <param name="MailFrom">The reverse path; empty for the null sender <c>&lt;&gt;</c>.</param>
/// <param name="Recipients">Local addresses accepted at RCPT time.</param>
/// <param name="Resolved">Recipients already resolved (at RCPT time) by <see cref="DeliveryPipeline.CheckRecipientAsync"/>; others are looked up.</param>
/// <param name="Spf">SPF as checked at MAIL FROM; null: the pipeline checks it (when SPF is on).</param>
/// <param name="DnsBudget">The message's DNS time budget, started at MAIL FROM; null: the pipeline starts one.</param>
public sealed record InboundEnvelope(string MailFrom, IReadOnlyList<string> Recipients, DeliveryOrigin Origin, IReadOnlyDictionary<string, RecipientResolution>? Resolved = null,
    Authentication.SpfResult? Spf = null, Authentication.DnsBudget? DnsBudget = null);

/// <summary>Mail an authenticated account sends (SMTP submission or web compose).</summary>
/// <param name="AccountId">The signed-in account.</param>
/// <param name="MailFrom">The envelope sender; <c>null</c> takes the <c>From:</c> header's address (web compose).</param>
/// <param name="Recipients">Every recipient, local or remote.</param>
/// <param name="Resolved">Recipients already resolved (at RCPT time) by <see cref="DeliveryPipeline.CheckRecipientAsync"/>; others are looked up.</param>
/// <param name="SenderChanges">What else the sender's action changes in the account's mailbox (web compose: the draft goes, the original is marked \Answered), committed with the message; <c>null</c> for none.</param>
public sealed record SubmissionEnvelope(long AccountId, string? MailFrom, IReadOnlyList<string> Recipients, DeliveryOrigin Origin, IReadOnlyDictionary<string, RecipientResolution>? Resolved = null,
    SenderMailboxChanges? SenderChanges = null);

public enum DeliveryStatus
{
    /// <summary>Committed: every local copy is on disk and remote recipients are queued.</summary>
    Delivered,
    /// <summary>The envelope sender, <c>From:</c> or <c>Sender:</c> is not one of the account's addresses.</summary>
    SenderNotAllowed,
    /// <summary>Mail from outside (not authenticated, not from a trusted network) names a local domain as its sender.</summary>
    LocalSenderNotAuthenticated,
    /// <summary>No recipient left to deliver to (none given, or all unknown).</summary>
    NoRecipients,
    /// <summary>Every local mailbox was over quota; nothing was stored.</summary>
    QuotaExceeded,
    /// <summary>The sending account is missing or disabled.</summary>
    AccountDisabled,
    /// <summary>Remote recipients, and more MIME parts than the outbound queue takes apart to sign and send.</summary>
    TooComplex,
    /// <summary>
    /// Refused for good: every recipient's Sieve script rejected it (RFC 5429), its From domain's DMARC policy did, or
    /// the content scanner did. <see cref="DeliveryOutcome.Detail"/> is the reason (SMTP: <c>550 5.7.1</c>). Nothing was stored.
    /// </summary>
    Rejected,
    /// <summary>
    /// Not judged now: a sender check met a DNS failure, or the content scanner asked to try later. <see cref="DeliveryOutcome.Detail"/>
    /// is the reason (SMTP: <c>451 4.7.1</c>). Nothing was stored.
    /// </summary>
    Deferred,
}

/// <summary>What the pipeline did with one message.</summary>
/// <param name="QuotaRefused">Local recipients' accounts whose copy was refused for quota.</param>
public sealed record DeliveryOutcome(DeliveryStatus Status, DeliveryReceipt? Receipt = null, IReadOnlyList<long>? QuotaRefused = null, string? Detail = null)
{
    public bool Succeeded => Status == DeliveryStatus.Delivered;
}

/// <summary>How a recipient address would be handled, for RCPT-time answers.</summary>
/// <param name="QuotaExceeded">Some account behind the address is already full.</param>
/// <param name="ForwardTo">For <see cref="RecipientKind.ReturnPath"/>: the original sender the mail goes on to.</param>
public sealed record RecipientCheck(RecipientKind Kind, IReadOnlyList<Account> Accounts, bool QuotaExceeded, string? ForwardTo = null)
{
    public RecipientResolution Resolution => new(Kind, Accounts, ForwardTo);
}
