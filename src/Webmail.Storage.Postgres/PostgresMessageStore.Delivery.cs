using System.Text.Json;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>Delivery: one message into several mailboxes and the queue, with everything else its action changes, as one transaction.</summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>Only a message still in the account's Drafts folder is removed as the draft a sent message replaces.</summary>
    private static readonly string InDrafts = $"id = @x AND folder_id = (SELECT id FROM folders WHERE account_id = @a AND special_use = {(int)SpecialFolder.Drafts})";

    public Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken) =>
        DeliverAsync(request, cancellationToken, alsoInTransaction: null);

    /// <summary>Delivers, running <paramref name="alsoInTransaction"/> in the same transaction (the queue's removal of an entry with its bounce).</summary>
    internal async Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken, Func<PostgresUnit, Task>? alsoInTransaction)
    {
        // Parsing happens before the transaction: the unit below only writes.
        var prepared = DeliveryPlan.Prepare(request, MaxMimeDepth);
        var now = time.GetUtcNow();
        return await WriteAsync(async unit =>
        {
            // Every account the delivery may write to, locked up front in id order (see PostgresMessageInserter).
            var locked = await PostgresMessageInserter.LockAccountsAsync(unit, DeliveryPlan.Accounts(request)).ConfigureAwait(false);
            var receipt = await DeliveryPlan.WriteAsync(request, prepared, new Writes(this, unit, now, locked), notifier, now).ConfigureAwait(false);
            if (alsoInTransaction is not null)
                await alsoInTransaction(unit).ConfigureAwait(false);
            return receipt;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The delivery's statements in one PostgreSQL transaction, under the row locks of its accounts. What the lock read
    /// (<paramref name="locked"/>) answers the quota and INBOX questions until the unit writes to that account; after
    /// that they are asked of the database.
    /// </summary>
    private sealed class Writes(PostgresMessageStore store, PostgresUnit unit, DateTimeOffset now, Dictionary<long, PostgresMessageInserter.LockedAccount> locked) : DeliveryPlan.IWrites
    {
        public async ValueTask<bool> OverQuotaAsync(long accountId, long size) =>
            locked.TryGetValue(accountId, out var account) ? account.OverQuota(size) : await PostgresMessageInserter.OverQuotaAsync(unit, accountId, size).ConfigureAwait(false);

        public async ValueTask<long> FolderIdOfAsync(long accountId, SpecialFolder folder) =>
            folder == SpecialFolder.Inbox && locked.TryGetValue(accountId, out var account) && account.Inbox is { } inbox
                ? inbox
                : await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, folder).ConfigureAwait(false);

        public async ValueTask<(long FolderId, bool Missing)> ResolveFolderAsync(long accountId, string path, bool create) =>
            await PostgresFolderPaths.ResolveAsync(unit, accountId, path, create, now).ConfigureAwait(false);

        public async ValueTask<StoredMessage> InsertAsync(long accountId, long folderId, byte[] raw, ParsedMessage parsed, MessageFlags flags, string keywords)
        {
            locked.Remove(accountId); // its bytes used change
            return await PostgresMessageInserter.InsertAsync(unit, accountId, folderId, raw, parsed, flags, now, keywords).ConfigureAwait(false);
        }

        public async ValueTask<IReadOnlyList<long>> EnqueueAsync(byte[] raw, OutboundEnvelope envelope) =>
            await PostgresMessageStore.EnqueueAsync(unit, raw, envelope, now).ConfigureAwait(false);

        public async ValueTask<long?> VacationUntilAsync(long accountId, string handleDigest, string sender) =>
            await unit.Sql("SELECT until FROM sieve_vacation_replies WHERE account_id = @a AND handle = @h AND sender = @s")
                .With("a", accountId).With("h", handleDigest).With("s", sender).LongOrNullAsync().ConfigureAwait(false);

        public async ValueTask RecordVacationAsync(long accountId, string handleDigest, string sender, long until)
        {
            await unit.Sql("DELETE FROM sieve_vacation_replies WHERE account_id = @a AND until <= @now").With("a", accountId).With("now", now.ToUnixMs()).ExecuteAsync().ConfigureAwait(false);
            await unit.Sql("INSERT INTO sieve_vacation_replies (account_id, handle, sender, until) VALUES (@a, @h, @s, @u) " +
                    "ON CONFLICT (account_id, handle, sender) DO UPDATE SET until = excluded.until")
                .With("a", accountId).With("h", handleDigest).With("s", sender).With("u", until).ExecuteAsync().ConfigureAwait(false);
        }

        /// <summary>Inside the delivery's unit: the draft goes and the flags and keywords are added, scoped to the sending account.</summary>
        public async ValueTask ApplySenderChangesAsync(SenderMailboxChanges changes)
        {
            if (changes.RemoveDraftId is { } draft)
                await store.DeleteWhereAsync(unit, changes.AccountId, InDrafts, draft).ConfigureAwait(false);
            if (changes.ReleasedHoldId is { } held)
                await unit.Sql("DELETE FROM held_submissions WHERE id = @h AND account_id = @a").With("h", held).With("a", changes.AccountId).ExecuteAsync().ConfigureAwait(false);
            foreach (var addition in changes.AddFlags ?? [])
            {
                if (addition.Flags != MessageFlags.None)
                    await store.SetFlagsAsync(unit, changes.AccountId, [addition.MessageId], addition.Flags, set: true).ConfigureAwait(false);
                if (addition.Keywords is { Count: > 0 } keywords)
                    await store.EditKeywordsAsync(unit, changes.AccountId, addition.MessageId, new KeywordEdit(keywords, [])).ConfigureAwait(false);
            }
        }

        public async ValueTask CountMailEventAsync(MailEventKind kind, int count) => await PostgresAuditLog.CountMailEventAsync(unit, kind, count, now).ConfigureAwait(false);

        public void AfterCommit(Action action) => unit.AfterCommit(action);
    }

    // The queue is the directory side's table (PostgresOutboundQueueStore), written inside the delivery's own
    // transaction; its statements are here and the queue store's EnqueueAsync runs them in a unit of its own.

    /// <summary>Inside a unit: queues the message for its remote recipients, one entry per domain (as SqliteOutboundQueueStore.Enqueue).</summary>
    internal static async Task<IReadOnlyList<long>> EnqueueAsync(PostgresUnit unit, byte[] raw, OutboundEnvelope envelope, DateTimeOffset now)
    {
        var messageId = await unit.Sql("INSERT INTO outbound_messages (raw, mail_from, sender_account_id, created_at) VALUES (@r, @f, @s, @t) RETURNING id")
            .With("r", raw).With("f", envelope.MailFrom).With("s", envelope.SenderAccountId).With("t", now.ToUnixMs()).LongAsync().ConfigureAwait(false);
        var ids = new List<long>();
        foreach (var group in envelope.Recipients.GroupBy(AddressRules.DomainOf, StringComparer.OrdinalIgnoreCase))
        {
            ids.Add(await unit.Sql("INSERT INTO outbound_queue (message_id, domain, recipients, created_at, next_attempt_at) VALUES (@m, @d, @r, @t, @t) RETURNING id")
                .With("m", messageId).With("d", group.Key.ToLowerInvariant()).With("r", JsonSerializer.Serialize(group.Distinct(StringComparer.OrdinalIgnoreCase).ToList()))
                .With("t", now.ToUnixMs()).LongAsync().ConfigureAwait(false));
        }
        return ids;
    }
}
