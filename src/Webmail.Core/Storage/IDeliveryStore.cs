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
    /// are reported, not stored.
    /// </summary>
    Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);
}

/// <summary>One message to file into several mailboxes and/or queue for remote recipients.</summary>
/// <param name="Raw">The RFC 5322 bytes as they will be stored.</param>
/// <param name="Mailboxes">Local copies to file.</param>
/// <param name="Outbound">Remote recipients to queue, or <c>null</c>.</param>
public sealed record DeliveryRequest(ReadOnlyMemory<byte> Raw, IReadOnlyList<MailboxDelivery> Mailboxes, OutboundEnvelope? Outbound = null);

/// <summary>A copy for one account's folder.</summary>
public sealed record MailboxDelivery(long AccountId, SpecialFolder Folder, MessageFlags Flags = MessageFlags.None, bool EnforceQuota = true);

/// <summary>The envelope of a message bound for remote domains; one queue entry is made per domain.</summary>
public sealed record OutboundEnvelope(string MailFrom, IReadOnlyList<string> Recipients, long? SenderAccountId);

/// <summary>What <see cref="IDeliveryStore.DeliverAsync"/> committed.</summary>
public sealed record DeliveryReceipt(IReadOnlyList<MailboxResult> Mailboxes, IReadOnlyList<long> QueueEntryIds);

/// <summary>The outcome for one mailbox: the stored copy, or a quota refusal.</summary>
public sealed record MailboxResult(long AccountId, StoredMessage? Message, bool QuotaExceeded);
