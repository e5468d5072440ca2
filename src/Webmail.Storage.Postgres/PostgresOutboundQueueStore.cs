using Microsoft.Extensions.Logging;
using System.Text.Json;
using Npgsql;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The PostgreSQL implementation of <see cref="IOutboundQueueStore"/>, the same contract as <c>SqliteOutboundQueueStore</c>.
/// Several nodes work one queue: an entry is claimed with <c>FOR UPDATE SKIP LOCKED</c> (two nodes claiming at once take
/// different rows, neither waits) and a lease (<c>claimed_by</c>, <c>lease_until</c>, migration 0004) that the holder renews
/// while it delivers; a node killed mid-delivery holds its claims only until their leases run out.
/// </summary>
public sealed class PostgresOutboundQueueStore(PostgresDatabase database, PostgresMessageStore messages, TimeProvider time, ILogger<PostgresOutboundQueueStore> logger) : IOutboundQueueStore
{
    // octet_length of a bytea reads its stored length without detoasting the message.
    private const string EntryColumns =
        "q.id, q.message_id, q.domain, o.mail_from, q.recipients, q.attempts, q.created_at, q.next_attempt_at, q.last_error, q.warning_sent, o.sender_account_id, octet_length(o.raw)::bigint";

    private const string EntryFrom = "FROM outbound_queue q JOIN outbound_messages o ON o.id = q.message_id";

    private static QueueEntry ReadEntry(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), JsonSerializer.Deserialize<List<string>>(r.GetString(4)) ?? [],
        (int)r.GetInt64(5), PostgresRows.FromUnixMs(r.GetInt64(6)), PostgresRows.FromUnixMs(r.GetInt64(7)), r.GetStringOrNull(8),
        r.GetBoolean(9), r.IsDBNull(10) ? null : r.GetInt64(10), r.GetInt64(11));

    public async Task<Page<QueueEntry>> ListAsync(int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        var total = await CountAsync(cancellationToken).ConfigureAwait(false);
        var items = await database.QueryAsync($"SELECT {EntryColumns} {EntryFrom} ORDER BY q.next_attempt_at, q.id LIMIT @n OFFSET @o", ReadEntry,
            cancellationToken, ("n", pageSize), ("o", (long)Math.Max(0, pageIndex) * pageSize)).ConfigureAwait(false);
        return new Page<QueueEntry>(items, total, pageIndex, pageSize);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT count(*) FROM outbound_queue", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false))[0];

    public async Task<(long Count, DateTimeOffset? Oldest)> GetBacklogAsync(CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT count(*), min(created_at) FROM outbound_queue", r => (r.GetInt64(0), PostgresRows.FromUnixMsOrNull(r, 1)), cancellationToken).ConfigureAwait(false))[0];

    public async Task<QueueEntry?> GetAsync(long entryId, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {EntryColumns} {EntryFrom} WHERE q.id = @id", ReadEntry, cancellationToken, ("id", entryId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<QueueEntry>> GetDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {EntryColumns} {EntryFrom} WHERE q.next_attempt_at <= @now ORDER BY q.next_attempt_at, q.id LIMIT @n", ReadEntry,
            cancellationToken, ("now", now.ToUnixTimeMilliseconds()), ("n", limit)).ConfigureAwait(false);

    public async Task<IReadOnlyList<QueueEntry>> ClaimDueAsync(string nodeId, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        var claimed = await PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql($"""
                WITH due AS (
                    SELECT id FROM outbound_queue
                    WHERE next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
                    ORDER BY next_attempt_at, id LIMIT @n
                    FOR UPDATE SKIP LOCKED)
                UPDATE outbound_queue q SET claimed_by = @node, lease_until = @lease
                FROM due, outbound_messages o WHERE q.id = due.id AND o.id = q.message_id
                RETURNING {EntryColumns}
                """).With("now", now.ToUnixTimeMilliseconds()).With("n", limit).With("node", nodeId).With("lease", leaseUntil.ToUnixTimeMilliseconds())
                .ListAsync(ReadEntry), cancellationToken).ConfigureAwait(false);
        // RETURNING keeps no order.
        return claimed.OrderBy(e => e.NextAttemptAt).ThenBy(e => e.Id).ToList();
    }

    public Task<QueueEntry?> TryClaimAsync(long entryId, string nodeId, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql($"""
                UPDATE outbound_queue q SET claimed_by = @node, lease_until = @lease
                FROM outbound_messages o WHERE q.id = @id AND o.id = q.message_id AND (q.lease_until IS NULL OR q.lease_until <= @now)
                RETURNING {EntryColumns}
                """).With("id", entryId).With("now", now.ToUnixTimeMilliseconds()).With("node", nodeId).With("lease", leaseUntil.ToUnixTimeMilliseconds())
                .FirstAsync(ReadEntry), cancellationToken);

    public Task<int> RenewLeasesAsync(IReadOnlyCollection<long> entryIds, string nodeId, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        entryIds.Count == 0 ? Task.FromResult(0) : PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("UPDATE outbound_queue SET lease_until = @lease WHERE id = ANY(@ids) AND claimed_by = @node")
                .With("ids", entryIds.ToArray()).With("node", nodeId).With("lease", leaseUntil.ToUnixTimeMilliseconds()).ExecuteAsync(), cancellationToken);

    public Task ReleaseAsync(long entryId, string nodeId, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("UPDATE outbound_queue SET claimed_by = NULL, lease_until = NULL WHERE id = @id AND claimed_by = @node")
                .With("id", entryId).With("node", nodeId).ExecuteAsync(), cancellationToken);

    public async Task<byte[]?> GetMessageAsync(long messageId, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT raw FROM outbound_messages WHERE id = @id", r => r.GetFieldValue<byte[]>(0), cancellationToken, ("id", messageId)).ConfigureAwait(false)).FirstOrDefault();

    public Task RecordAttemptAsync(long entryId, IReadOnlyList<string> remainingRecipients, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("UPDATE outbound_queue SET recipients = @r, attempts = attempts + 1, next_attempt_at = @n, last_error = @e, claimed_by = NULL, lease_until = NULL WHERE id = @id")
                .With("r", JsonSerializer.Serialize(remainingRecipients)).With("n", nextAttemptAt.ToUnixTimeMilliseconds()).With("e", error).With("id", entryId).ExecuteAsync(),
            cancellationToken);

    public Task MarkWarningSentAsync(long entryId, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit => unit.Sql("UPDATE outbound_queue SET warning_sent = true WHERE id = @id").With("id", entryId).ExecuteAsync(), cancellationToken);

    public async Task CompleteAsync(long entryId, DeliveryRequest? bounce, CancellationToken cancellationToken)
    {
        if (bounce is not null)
        {
            // The bounce and the removal commit together: a crash in between can neither lose the bounce nor send it twice.
            await messages.DeliverAsync(bounce, cancellationToken, unit => RemoveEntryAsync(unit, entryId)).ConfigureAwait(false);
            return;
        }
        await PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await RemoveEntryAsync(unit, entryId).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inside a unit of work: removes the entry, and its message once no other entry uses it.</summary>
    internal static async Task RemoveEntryAsync(PostgresUnit unit, long entryId)
    {
        var messageId = await unit.Sql("DELETE FROM outbound_queue WHERE id = @id RETURNING message_id").With("id", entryId).ScalarAsync().ConfigureAwait(false);
        if (messageId is null)
            return;
        // Two entries of one message completed at once: each sees the other's row until it commits, so without the lock both could
        // leave the message behind. Locking the message row first makes the second wait and then see the first's delete.
        await unit.Sql("SELECT 1 FROM outbound_messages WHERE id = @m FOR UPDATE").With("m", messageId).ExecuteAsync().ConfigureAwait(false);
        await unit.Sql("DELETE FROM outbound_messages WHERE id = @m AND NOT EXISTS (SELECT 1 FROM outbound_queue WHERE message_id = @m)").With("m", messageId).ExecuteAsync().ConfigureAwait(false);
    }

    public Task RetryNowAsync(long entryId, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("UPDATE outbound_queue SET next_attempt_at = @n WHERE id = @id").With("n", time.GetUtcNow().ToUnixTimeMilliseconds()).With("id", entryId).ExecuteAsync(), cancellationToken);

    public Task<IReadOnlyList<long>> EnqueueAsync(ReadOnlyMemory<byte> raw, OutboundEnvelope envelope, CancellationToken cancellationToken)
    {
        var bytes = raw.ToArray();
        // The statements a delivery also runs inside its own unit (PostgresMessageStore.EnqueueAsync).
        return PostgresUnits.WriteAsync(database, logger, unit => PostgresMessageStore.EnqueueAsync(unit, bytes, envelope, time.GetUtcNow()), cancellationToken);
    }
}
