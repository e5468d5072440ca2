namespace Webmail.Core.Outbound;

/// <summary>
/// Gives up on a queued outbound entry at once: the sender gets a delivery status notification
/// (RFC 3464) and the entry leaves the queue in the same transaction
/// (<see cref="Storage.IOutboundQueueStore.CompleteAsync"/> with the bounce). Implemented by the
/// outbound worker in Webmail.Mail; the admin queue page calls it for "Bounce now".
/// </summary>
public interface IQueueBouncer
{
    /// <param name="entryId">The queue entry to bounce.</param>
    /// <param name="reason">The diagnostic put into the DSN, e.g. "Bounced by the administrator".</param>
    /// <returns><c>false</c> when the entry no longer exists (delivered or removed meanwhile).</returns>
    Task<bool> BounceNowAsync(long entryId, string reason, CancellationToken cancellationToken);
}
