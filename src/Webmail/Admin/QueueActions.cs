using Webmail.Core.Storage;
using Webmail.Mail.Outbound;

namespace Webmail.Admin;

/// <summary>
/// What an admin does to the outbound queue — retry now, delete, bounce now (through the outbound
/// worker's DSN builder, <see cref="OutboundQueueService"/>) — each audited.
/// </summary>
public sealed class QueueActions(IOutboundQueueStore queue, IAuditLog audit, OutboundQueueService outbound)
{
    public async Task RetryNowAsync(long entryId, string actor, CancellationToken cancellationToken)
    {
        var entry = await queue.GetAsync(entryId, cancellationToken).ConfigureAwait(false) ?? throw Gone(entryId);
        await queue.RetryNowAsync(entryId, cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync(actor, "queue.retry", Describe(entryId, entry.Domain), "", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the entry without telling the sender.</summary>
    public async Task DeleteAsync(long entryId, string actor, CancellationToken cancellationToken)
    {
        var entry = await queue.GetAsync(entryId, cancellationToken).ConfigureAwait(false) ?? throw Gone(entryId);
        await queue.CompleteAsync(entryId, null, cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync(actor, "queue.delete", Describe(entryId, entry.Domain), string.Join(",", entry.Recipients), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives up on the entry now and sends the sender a DSN.</summary>
    public async Task BounceNowAsync(long entryId, string actor, CancellationToken cancellationToken)
    {
        var entry = await queue.GetAsync(entryId, cancellationToken).ConfigureAwait(false) ?? throw Gone(entryId);
        if (!await outbound.BounceNowAsync(entryId, cancellationToken).ConfigureAwait(false))
            throw Gone(entryId);
        await audit.WriteAsync(actor, "queue.bounce", Describe(entryId, entry.Domain), string.Join(",", entry.Recipients), null, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(long entryId, string domain) => $"#{entryId} {domain}";

    private static Core.Accounts.DirectoryException Gone(long entryId) =>
        new($"Queue entry #{entryId} is no longer queued (delivered or removed meanwhile).", "id", Core.Accounts.DirectoryProblem.NotFound);
}
