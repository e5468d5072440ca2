using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
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

    /// <summary>
    /// Delivers. Deliveries that arrive while another is being written wait and go together in the next transaction
    /// (<see cref="DeliveryBatches"/>), as SQLite's writer groups its units: one lock statement, one counter update and
    /// one commit for the batch, and one account's messages no longer take turns one commit at a time.
    /// </summary>
    public Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        // Parsing and the search documents happen here, on the caller's thread: the batch's transaction only writes.
        PendingDelivery pending;
        try
        {
            pending = PendingDelivery.Of(request, MaxMimeDepth, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<DeliveryReceipt>(e);
        }
        return Lanes[pending.Lane].Add(pending);
    }

    /// <summary>
    /// The node's delivery lanes, each writing its batches one transaction at a time, so that while one lane's
    /// transaction waits for PostgreSQL (its statements, its commit) another's is written. A delivery's lane follows
    /// its lowest account, so one account's deliveries still queue in one lane and go together; a delivery to accounts
    /// of two lanes is correct in either (its transaction locks every account it writes, in id order). Each lane
    /// holds at most one of the pool's connections.
    /// </summary>
    internal const int DeliveryLanes = 4;

    private DeliveryBatches[]? _lanes;

    private DeliveryBatches[] Lanes =>
        Volatile.Read(ref _lanes)
        ?? Interlocked.CompareExchange(ref _lanes, Enumerable.Range(0, DeliveryLanes).Select(_ => new DeliveryBatches(this, logger)).ToArray(), null)
        ?? _lanes!;

    /// <summary>Delivers in a transaction of its own, running <paramref name="alsoInTransaction"/> in it (the queue's removal of an entry with its bounce).</summary>
    internal async Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken, Func<PostgresUnit, Task> alsoInTransaction)
    {
        var pending = PendingDelivery.Of(request, MaxMimeDepth, time.GetUtcNow(), cancellationToken);
        return (await WriteDeliveriesAsync([pending], alsoInTransaction, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// A delivery parsed, with the search document of each message it stores, and waiting for its transaction; its task
    /// completes once that committed (or failed).
    /// </summary>
    private sealed record PendingDelivery(DeliveryRequest Request, DeliveryPlan.Prepared Prepared, IReadOnlyDictionary<ParsedMessage, string> Documents,
        DateTimeOffset Now, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<DeliveryReceipt> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static PendingDelivery Of(DeliveryRequest request, int maxMimeDepth, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var prepared = DeliveryPlan.Prepare(request, maxMimeDepth);
            var documents = new Dictionary<ParsedMessage, string>(ReferenceEqualityComparer.Instance);
            foreach (var parsed in prepared.Generated.Select(g => g.Parsed).Prepend(prepared.Parsed).OfType<ParsedMessage>())
                documents.TryAdd(parsed, SearchDocument.Build(parsed));
            return new PendingDelivery(request, prepared, documents, now, cancellationToken);
        }

        /// <summary>Which of the <see cref="DeliveryLanes"/> writes the delivery: its lowest account's (the first lane for one to no account).</summary>
        public int Lane => (int)(DeliveryPlan.Accounts(Request).DefaultIfEmpty().Min() % DeliveryLanes);
    }

    /// <summary>
    /// Writes <paramref name="deliveries"/> in one transaction: every account any of them may write to locked up front
    /// in id order (see <see cref="PostgresMessageInserter"/>), then each delivery's statements, then the counters (in
    /// the lane's own shard: one counter row for every lane would make the lanes take turns on its lock).
    /// </summary>
    private Task<List<DeliveryReceipt>> WriteDeliveriesAsync(IReadOnlyList<PendingDelivery> deliveries, Func<PostgresUnit, Task>? alsoInTransaction, CancellationToken cancellationToken) =>
        WriteAsync(async unit =>
        {
            var locked = await PostgresMessageInserter.LockAccountsAsync(unit, deliveries.SelectMany(d => DeliveryPlan.Accounts(d.Request))).ConfigureAwait(false);
            var counts = new Dictionary<MailEventKind, int>();
            var receipts = new List<DeliveryReceipt>(deliveries.Count);
            foreach (var delivery in deliveries)
                receipts.Add(await DeliveryPlan.WriteAsync(delivery.Request, delivery.Prepared, new Writes(this, unit, delivery.Now, locked, counts, delivery.Documents), notifier, delivery.Now).ConfigureAwait(false));
            foreach (var (kind, count) in counts)
                await PostgresAuditLog.CountMailEventAsync(unit, kind, count, deliveries[^1].Now, shard: deliveries[0].Lane).ConfigureAwait(false);
            if (alsoInTransaction is not null)
                await alsoInTransaction(unit).ConfigureAwait(false);
            return receipts;
        }, cancellationToken);

    /// <summary>
    /// One lane's deliveries waiting for a transaction, written by one loop: it takes every delivery waiting (up to
    /// <see cref="MaxBatch"/>) and writes them together. When one of them fails on its own account (a folder gone, a
    /// refused row), the batch rolls back and each is written alone, so only that one fails; when the database is
    /// unavailable, every one of them fails with it.
    /// </summary>
    private sealed class DeliveryBatches
    {
        private const int MaxBatch = 64;
        private readonly PostgresMessageStore _store;
        private readonly ILogger _logger;
        private readonly Channel<PendingDelivery> _waiting = Channel.CreateUnbounded<PendingDelivery>(new UnboundedChannelOptions { SingleReader = true });
        private int _started;

        public DeliveryBatches(PostgresMessageStore store, ILogger logger)
        {
            _store = store;
            _logger = logger;
        }

        public Task<DeliveryReceipt> Add(PendingDelivery delivery)
        {
            if (Interlocked.Exchange(ref _started, 1) == 0)
                _ = Task.Run(WriteLoopAsync);
            _waiting.Writer.TryWrite(delivery);
            return delivery.Completion.Task;
        }

        private async Task WriteLoopAsync()
        {
            var batch = new List<PendingDelivery>(MaxBatch);
            while (await _waiting.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _waiting.Reader.TryRead(out var delivery))
                {
                    // A caller that gave up before its transaction began is not written.
                    if (delivery.CancellationToken.IsCancellationRequested)
                        delivery.Completion.TrySetCanceled(delivery.CancellationToken);
                    else
                        batch.Add(delivery);
                }
                try
                {
                    if (batch.Count > 0)
                        await WriteAsync(batch).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Whatever happens, the loop goes on and no caller waits for ever.
                    foreach (var delivery in batch)
                        delivery.Completion.TrySetException(e);
                }
            }
        }

        private async Task WriteAsync(List<PendingDelivery> batch)
        {
            try
            {
                // Not cancellable once begun: the batch is written for all or none, and each caller learns which.
                var receipts = await _store.WriteDeliveriesAsync(batch, null, CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                    batch[i].Completion.TrySetResult(receipts[i]);
                return;
            }
            catch (Exception e) when (batch.Count == 1 || e is StoreUnavailableException)
            {
                foreach (var delivery in batch)
                    delivery.Completion.TrySetException(e);
                return;
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "A batch of {Count} deliveries failed; writing each on its own", batch.Count);
            }
            foreach (var delivery in batch)
            {
                try
                {
                    delivery.Completion.TrySetResult((await _store.WriteDeliveriesAsync([delivery], null, CancellationToken.None).ConfigureAwait(false))[0]);
                }
                catch (Exception e)
                {
                    delivery.Completion.TrySetException(e);
                }
            }
        }
    }

    /// <summary>
    /// One delivery's statements in its batch's transaction, under the row locks of the batch's accounts. What the
    /// lock read (<paramref name="locked"/>, shared by the batch) answers the quota and INBOX questions, kept up to
    /// date by the batch's own inserts; the counters are added up in <paramref name="counts"/> and written once.
    /// </summary>
    private sealed class Writes(PostgresMessageStore store, PostgresUnit unit, DateTimeOffset now, Dictionary<long, PostgresMessageInserter.LockedAccount> locked,
        Dictionary<MailEventKind, int> counts, IReadOnlyDictionary<ParsedMessage, string> documents) : DeliveryPlan.IWrites
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
            var stored = await PostgresMessageInserter.InsertAsync(unit, accountId, folderId, raw, parsed, flags, now, keywords, documents.GetValueOrDefault(parsed)).ConfigureAwait(false);
            // The insert trigger added the message's size to the account's bytes used.
            if (locked.TryGetValue(accountId, out var account))
                locked[accountId] = account with { UsedBytes = account.UsedBytes + raw.LongLength };
            return stored;
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
            locked.Remove(changes.AccountId); // a draft removed frees its bytes: asked of the database from here on
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

        public ValueTask CountMailEventAsync(MailEventKind kind, int count)
        {
            counts[kind] = counts.GetValueOrDefault(kind) + count;
            return ValueTask.CompletedTask;
        }

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
