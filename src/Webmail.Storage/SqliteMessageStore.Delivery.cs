using Webmail.Core.Messages;
using Webmail.Core.Model;
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
        // Parsing happens here, on the caller's thread: the unit below only writes.
        var prepared = DeliveryPlan.Prepare(request, MaxMimeDepth);
        var now = time.GetUtcNow();
        return await Writer.ExecuteAsync(context =>
        {
            var writing = DeliveryPlan.WriteAsync(request, prepared, new Writes(this, context, now), notifier, now);
            var receipt = writing.IsCompleted ? writing.Result : throw new InvalidOperationException("A delivery on SQLite's writer must complete synchronously.");
            alsoInTransaction?.Invoke(context);
            return receipt;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The delivery's statements on SQLite's writer: each runs at once, so every step completes synchronously.</summary>
    private sealed class Writes(SqliteMessageStore store, WriteContext context, DateTimeOffset now) : DeliveryPlan.IWrites
    {
        public ValueTask<bool> OverQuotaAsync(long accountId, long size) => ValueTask.FromResult(OverQuotaOrMissing(context, accountId, size));

        public ValueTask<long> FolderIdOfAsync(long accountId, SpecialFolder folder) => ValueTask.FromResult(MessageInserter.FolderIdOf(context, accountId, folder));

        public ValueTask<(long FolderId, bool Missing)> ResolveFolderAsync(long accountId, string path, bool create) =>
            ValueTask.FromResult(FolderPaths.Resolve(context, accountId, path, create, now));

        public ValueTask<StoredMessage> InsertAsync(long accountId, long folderId, byte[] raw, ParsedMessage parsed, MessageFlags flags, string keywords) =>
            ValueTask.FromResult(MessageInserter.Insert(context, accountId, folderId, raw, parsed, flags, now, keywords));

        public ValueTask<IReadOnlyList<long>> EnqueueAsync(byte[] raw, OutboundEnvelope envelope) =>
            ValueTask.FromResult(SqliteOutboundQueueStore.Enqueue(context, raw, envelope, now));

        public ValueTask<long?> VacationUntilAsync(long accountId, string handleDigest, string sender) =>
            ValueTask.FromResult(context.Command("SELECT until FROM sieve_vacation_replies WHERE account_id = $a AND handle = $h AND sender = $s")
                .With("$a", accountId).With("$h", handleDigest).With("$s", sender).ExecuteScalar() is long until ? until : (long?)null);

        public ValueTask RecordVacationAsync(long accountId, string handleDigest, string sender, long until)
        {
            context.Command("DELETE FROM sieve_vacation_replies WHERE account_id = $a AND until <= $now").With("$a", accountId).With("$now", now.ToUnixMs()).ExecuteNonQuery();
            context.Command("INSERT OR REPLACE INTO sieve_vacation_replies (account_id, handle, sender, until) VALUES ($a, $h, $s, $u)")
                .With("$a", accountId).With("$h", handleDigest).With("$s", sender).With("$u", until).ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        /// <summary>Inside the delivery's unit: the draft goes and the flags and keywords are added, scoped to the sending account.</summary>
        public ValueTask ApplySenderChangesAsync(SenderMailboxChanges changes)
        {
            if (changes.RemoveDraftId is { } draft)
                store.DeleteWhere(context, changes.AccountId, InDrafts, draft);
            if (changes.ReleasedHoldId is { } held)
                context.Command("DELETE FROM held_submissions WHERE id = $h AND account_id = $a").With("$h", held).With("$a", changes.AccountId).ExecuteNonQuery();
            foreach (var addition in changes.AddFlags ?? [])
            {
                if (addition.Flags != MessageFlags.None)
                    store.SetFlags(context, changes.AccountId, [addition.MessageId], addition.Flags, set: true);
                if (addition.Keywords is { Count: > 0 } keywords)
                    store.EditKeywords(context, changes.AccountId, addition.MessageId, new KeywordEdit(keywords, []));
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask CountMailEventAsync(MailEventKind kind, int count)
        {
            SqliteAuditLog.CountMailEvent(context, kind, count, now);
            return ValueTask.CompletedTask;
        }

        public void AfterCommit(Action action) => context.AfterCommit(action);
    }
}
