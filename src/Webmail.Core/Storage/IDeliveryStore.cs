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
public sealed record DeliveryRequest(ReadOnlyMemory<byte> Raw, IReadOnlyList<MailboxDelivery> Mailboxes, OutboundEnvelope? Outbound = null, SenderMailboxChanges? SenderChanges = null);

/// <summary>A copy for one account's folder.</summary>
/// <param name="Counts">The dashboard event a stored copy counts as (<see cref="MailEventKind.Received"/> for an INBOX copy, <see cref="MailEventKind.Sent"/> for the Sent copy), or <c>null</c>.</param>
public sealed record MailboxDelivery(long AccountId, SpecialFolder Folder, MessageFlags Flags = MessageFlags.None, bool EnforceQuota = true, MailEventKind? Counts = null);

/// <summary>
/// The rest of a sender's action, besides filing and queueing the message (web compose's Send): it
/// commits with the message, so a failure cannot leave the message sent with its draft still there,
/// or a message marked \Answered by a reply that was never sent. Scoped to <paramref name="AccountId"/>:
/// another account's message ids change nothing.
/// </summary>
/// <param name="AccountId">The sending account.</param>
/// <param name="RemoveDraftId">The draft the message was written in: removed if it is still in the account's Drafts folder (moved elsewhere meanwhile, it is the user's message and stays).</param>
/// <param name="AddFlags">Flags and keywords to add to the account's own messages: \Answered on the message a reply answers, <c>$Forwarded</c> on the message a forward passes on.</param>
public sealed record SenderMailboxChanges(long AccountId, long? RemoveDraftId = null, IReadOnlyList<FlagAddition>? AddFlags = null);

/// <summary>Flags and keywords to add to one stored message.</summary>
/// <param name="Keywords">IMAP keywords to add (such as <see cref="WellKnownKeywords.Forwarded"/>), or <c>null</c> for none; one past <see cref="Model.Keywords.MaxPerMessage"/> is left out, not refused.</param>
public sealed record FlagAddition(long MessageId, MessageFlags Flags, IReadOnlyList<string>? Keywords = null);

/// <summary>The envelope of a message bound for remote domains; one queue entry is made per domain.</summary>
public sealed record OutboundEnvelope(string MailFrom, IReadOnlyList<string> Recipients, long? SenderAccountId);

/// <summary>What <see cref="IDeliveryStore.DeliverAsync"/> committed.</summary>
public sealed record DeliveryReceipt(IReadOnlyList<MailboxResult> Mailboxes, IReadOnlyList<long> QueueEntryIds);

/// <summary>The outcome for one mailbox: the stored copy, or a quota refusal.</summary>
public sealed record MailboxResult(long AccountId, StoredMessage? Message, bool QuotaExceeded);
