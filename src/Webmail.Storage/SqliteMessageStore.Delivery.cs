using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>Delivery: one message into several mailboxes and the queue, with everything else its action changes, as one unit of work.</summary>
public sealed partial class SqliteMessageStore
{
    /// <summary>Only a message still in the account's Drafts folder is removed as the draft a sent message replaces.</summary>
    private static readonly string InDrafts = $"id = $x AND folder_id = (SELECT id FROM folders WHERE account_id = $a AND special_use = {(int)SpecialFolder.Drafts})";

    public Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken) =>
        DeliverAsync(request, cancellationToken, alsoInTransaction: null);

    /// <summary>Delivers, running <paramref name="alsoInTransaction"/> in the same transaction (queue removal with a bounce).</summary>
    internal async Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken, Action<WriteContext>? alsoInTransaction)
    {
        var bytes = AsArray(request.Raw);
        var parsed = request.Mailboxes.Count > 0 ? MessageParser.Parse(bytes, MaxMimeDepth) : null;
        var now = time.GetUtcNow();
        return await Writer.ExecuteAsync(context =>
        {
            var results = new List<MailboxResult>(request.Mailboxes.Count);
            var counts = new Dictionary<MailEventKind, int>();
            foreach (var mailbox in request.Mailboxes)
            {
                if (mailbox.EnforceQuota && OverQuotaOrMissing(context, mailbox.AccountId, bytes.LongLength))
                {
                    results.Add(new MailboxResult(mailbox.AccountId, null, true));
                    continue;
                }
                var folderId = MessageInserter.FolderIdOf(context, mailbox.AccountId, mailbox.Folder);
                var stored = MessageInserter.Insert(context, mailbox.AccountId, folderId, bytes, parsed!, mailbox.Flags, now);
                results.Add(new MailboxResult(mailbox.AccountId, stored, false));
                if (mailbox.Counts is { } kind)
                    counts[kind] = counts.GetValueOrDefault(kind) + 1;
                context.AfterCommit(() => notifier.Publish(new MailboxChange(mailbox.AccountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            }
            var queued = request.Outbound is { Recipients.Count: > 0 } envelope
                ? SqliteOutboundQueueStore.Enqueue(context, bytes, envelope, now)
                : [];
            if (request.SenderChanges is { } changes)
                ApplySenderChanges(context, changes);
            foreach (var (kind, count) in counts)
                SqliteAuditLog.CountMailEvent(context, kind, count, now);
            alsoInTransaction?.Invoke(context);
            return new DeliveryReceipt(results, queued);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inside the delivery's unit: the draft goes and the flags and keywords are added, scoped to the sending account.</summary>
    private void ApplySenderChanges(WriteContext context, SenderMailboxChanges changes)
    {
        if (changes.RemoveDraftId is { } draft)
            DeleteWhere(context, changes.AccountId, InDrafts, draft);
        foreach (var addition in changes.AddFlags ?? [])
        {
            if (addition.Flags != MessageFlags.None)
                SetFlags(context, changes.AccountId, [addition.MessageId], addition.Flags, set: true);
            if (addition.Keywords is { Count: > 0 } keywords)
                EditKeywords(context, changes.AccountId, addition.MessageId, new KeywordEdit(keywords, []));
        }
    }
}
