using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// Delivery: the one commit of the delivery pipeline (local copies and outbound queue entries
/// together) and the queue worker's bounces. Durable when the task completes; safe for many
/// concurrent callers (their commits share one fsync). A commit the store cannot make throws
/// <see cref="StoreUnavailableException"/>: a temporary failure, never a permanent one.
/// </summary>
public interface IDeliveryStore
{
    /// <summary>
    /// Commits one message to several mailboxes and the outbound queue in one transaction: when
    /// the task completes every accepted copy is on disk. Mailboxes whose quota would be passed
    /// are reported, not stored. The dashboard counts of the stored copies and the sender's
    /// <see cref="DeliveryRequest.SenderChanges"/> commit in the same transaction: all of it, or
    /// (when any part fails) none of it.
    /// </summary>
    Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);
}

/// <summary>One message to file into several mailboxes and/or queue for remote recipients.</summary>
/// <param name="Raw">The RFC 5322 bytes as they will be stored.</param>
/// <param name="Mailboxes">Local copies to file.</param>
/// <param name="Outbound">Remote recipients to queue, or <c>null</c>.</param>
/// <param name="SenderChanges">What else the sender's action changes in the sender's own mailbox, or <c>null</c>.</param>
/// <param name="Generated">
/// Messages a recipient's Sieve script produced (redirects, vacation replies, rejections), each with its own
/// bytes and envelope, queued in the same transaction; <c>null</c> for none.
/// </param>
public sealed record DeliveryRequest(ReadOnlyMemory<byte> Raw, IReadOnlyList<MailboxDelivery> Mailboxes, OutboundEnvelope? Outbound = null, SenderMailboxChanges? SenderChanges = null,
    IReadOnlyList<GeneratedMessage>? Generated = null);

/// <summary>A copy for one account's folder.</summary>
/// <param name="Counts">The dashboard event a stored copy counts as (<see cref="MailEventKind.Received"/> for an INBOX copy, <see cref="MailEventKind.Sent"/> for the Sent copy), or <c>null</c>.</param>
/// <param name="FolderPath">
/// A folder by its full name (<c>/</c> between levels, <c>INBOX</c> in any case), instead of <paramref name="Folder"/>:
/// Sieve's fileinto. Missing, it is created when <paramref name="CreateFolder"/> is set (RFC 5490 §3.2), else the copy
/// goes to INBOX and <see cref="MailboxResult.FolderMissing"/> says so.
/// </param>
/// <param name="Keywords">IMAP keywords on the stored copy (Sieve imap4flags), or <c>null</c>.</param>
/// <param name="TraceHeader">Header lines (each ending CRLF) put above this copy only, such as <c>Delivered-To</c>; <c>null</c> for none.</param>
/// <param name="Owner">
/// The account whose delivery this copy belongs to (a Sieve redirect to another local account), or <c>null</c> for
/// <paramref name="AccountId"/> itself. All copies and generated messages of one owner are stored together or,
/// when any copy is over quota, not at all.
/// </param>
public sealed record MailboxDelivery(long AccountId, SpecialFolder Folder, MessageFlags Flags = MessageFlags.None, bool EnforceQuota = true, MailEventKind? Counts = null,
    string? FolderPath = null, bool CreateFolder = false, IReadOnlyList<string>? Keywords = null, string? TraceHeader = null, long? Owner = null)
{
    /// <summary>The account whose delivery this copy is part of.</summary>
    public long OwnerId => Owner ?? AccountId;
}

/// <summary>
/// A message made at delivery by <paramref name="Owner"/>'s Sieve script (a redirect, a vacation reply, a rejection),
/// queued with the delivery; dropped with the owner's copies when they are refused for quota.
/// </summary>
/// <param name="Envelope">The sender and the remote recipients (queued; none is fine when every recipient is local).</param>
/// <param name="Vacation">For a vacation reply: queued only when no reply for the same handle went to the same sender before its period ran out (RFC 5230 §4.2), and recorded.</param>
/// <param name="LocalAccounts">Local recipients' accounts, whose INBOX gets the message in the same transaction (quota applies), or <c>null</c>.</param>
public sealed record GeneratedMessage(ReadOnlyMemory<byte> Raw, OutboundEnvelope Envelope, long Owner, VacationGuard? Vacation = null, IReadOnlyList<long>? LocalAccounts = null);

/// <summary>The once-per-period rule of a vacation reply (RFC 5230 §4.2): at most one per <paramref name="Handle"/> and <paramref name="Sender"/> until <paramref name="Until"/>.</summary>
/// <param name="Handle">The script's handle, as the interpreter gives it; the store keeps a digest.</param>
/// <param name="Sender">The address replied to, lower case.</param>
public sealed record VacationGuard(string Handle, string Sender, DateTimeOffset Until);

/// <summary>
/// The rest of a sender's action, besides filing and queueing the message (web compose's Send): it
/// commits with the message, so a failure cannot leave the message sent with its draft still there,
/// or a message marked \Answered by a reply that was never sent. Scoped to <paramref name="AccountId"/>:
/// another account's message ids change nothing.
/// </summary>
/// <param name="AccountId">The sending account.</param>
/// <param name="RemoveDraftId">The draft the message was written in: removed if it is still in the account's Drafts folder (moved elsewhere meanwhile, it is the user's message and stays).</param>
/// <param name="AddFlags">Flags and keywords to add to the account's own messages: \Answered on the message a reply answers, <c>$Forwarded</c> on the message a forward passes on.</param>
/// <param name="ReleasedHoldId">The held submission (undo send, <see cref="IHeldSubmissionStore"/>) this delivery releases: deleted in the same transaction, so it is sent once.</param>
public sealed record SenderMailboxChanges(long AccountId, long? RemoveDraftId = null, IReadOnlyList<FlagAddition>? AddFlags = null, long? ReleasedHoldId = null);

/// <summary>Flags and keywords to add to one stored message.</summary>
/// <param name="Keywords">IMAP keywords to add (such as <see cref="WellKnownKeywords.Forwarded"/>), or <c>null</c> for none; one past <see cref="Model.Keywords.MaxPerMessage"/> is left out, not refused.</param>
public sealed record FlagAddition(long MessageId, MessageFlags Flags, IReadOnlyList<string>? Keywords = null);

/// <summary>The envelope of a message bound for remote domains; one queue entry is made per domain.</summary>
public sealed record OutboundEnvelope(string MailFrom, IReadOnlyList<string> Recipients, long? SenderAccountId);

/// <summary>What <see cref="IDeliveryStore.DeliverAsync"/> committed.</summary>
/// <param name="VacationsSuppressed">Vacation replies not queued because one already went to that sender within the period.</param>
public sealed record DeliveryReceipt(IReadOnlyList<MailboxResult> Mailboxes, IReadOnlyList<long> QueueEntryIds, int VacationsSuppressed = 0);

/// <summary>The outcome for one mailbox: the stored copy, or a quota refusal.</summary>
/// <param name="FolderMissing">The copy asked for a folder by name that does not exist (and was not to be created): it went to INBOX.</param>
public sealed record MailboxResult(long AccountId, StoredMessage? Message, bool QuotaExceeded, bool FolderMissing = false);
