using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// The durable outbound queue. Entries are created by <see cref="IDeliveryStore.DeliverAsync"/> in
/// the same transaction as the sender's copy; they leave only on a remote 2xx or as a bounce.
/// </summary>
public interface IOutboundQueueStore
{
    Task<Page<QueueEntry>> ListAsync(int pageIndex, int pageSize, CancellationToken cancellationToken);
    Task<long> CountAsync(CancellationToken cancellationToken);
    /// <summary>How many entries wait, and when the oldest was queued (null when none), for the metrics.</summary>
    Task<(long Count, DateTimeOffset? Oldest)> GetBacklogAsync(CancellationToken cancellationToken);
    Task<QueueEntry?> GetAsync(long entryId, CancellationToken cancellationToken);
    /// <summary>Entries whose next attempt is at or before <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<QueueEntry>> GetDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);
    /// <summary>
    /// Claims up to <paramref name="limit"/> due entries for <paramref name="nodeId"/> until <paramref name="leaseUntil"/>,
    /// oldest first. An entry another claim holds (its lease not yet run out) is skipped, so nodes working one queue never
    /// attempt the same entry at once; a claim whose holder died ends when its lease does. A claim ends with
    /// <see cref="RecordAttemptAsync"/>, <see cref="CompleteAsync"/> or <see cref="ReleaseAsync"/>.
    /// </summary>
    Task<IReadOnlyList<QueueEntry>> ClaimDueAsync(string nodeId, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);
    /// <summary>Claims one entry whether due or not (the admin's "Bounce"); null when it does not exist or another claim holds it.</summary>
    Task<QueueEntry?> TryClaimAsync(long entryId, string nodeId, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);
    /// <summary>Extends the leases <paramref name="nodeId"/> still holds on <paramref name="entryIds"/>; returns how many it held.</summary>
    Task<int> RenewLeasesAsync(IReadOnlyCollection<long> entryIds, string nodeId, DateTimeOffset leaseUntil, CancellationToken cancellationToken);
    /// <summary>Ends <paramref name="nodeId"/>'s claim on an entry it did not attempt (shutting down), so another node may take it now.</summary>
    Task ReleaseAsync(long entryId, string nodeId, CancellationToken cancellationToken);
    Task<byte[]?> GetMessageAsync(long messageId, CancellationToken cancellationToken);
    /// <summary>Records a failed or partial attempt: the recipients still to do, when to try again, and why; ends the entry's claim.</summary>
    Task RecordAttemptAsync(long entryId, IReadOnlyList<string> remainingRecipients, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken);
    Task MarkWarningSentAsync(long entryId, CancellationToken cancellationToken);
    /// <summary>Removes the entry (and its message once no entry uses it), committing <paramref name="bounce"/> in the same transaction when given.</summary>
    Task CompleteAsync(long entryId, DeliveryRequest? bounce, CancellationToken cancellationToken);
    Task RetryNowAsync(long entryId, CancellationToken cancellationToken);
    /// <summary>Queues a message for remote recipients outside a mailbox delivery (bounces to remote senders).</summary>
    Task<IReadOnlyList<long>> EnqueueAsync(ReadOnlyMemory<byte> raw, OutboundEnvelope envelope, CancellationToken cancellationToken);
}
