using System.Text.Json;
using Microsoft.Data.Sqlite;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// The SQLite implementation of <see cref="IOutboundQueueStore"/>. One SQLite file has one process, so one node: its claims
/// live in memory here (the same contract as PostgreSQL's claim columns, and a restart ends them as a lease running out would).
/// </summary>
public sealed class SqliteOutboundQueueStore(SqliteDatabase database, SqliteMessageStore messages, TimeProvider time) : IOutboundQueueStore
{
    private readonly Dictionary<long, (string Node, DateTimeOffset Until)> _claims = [];
    private const string EntryColumns =
        "q.id, q.message_id, q.domain, o.mail_from, q.recipients, q.attempts, q.created_at, q.next_attempt_at, q.last_error, q.warning_sent, o.sender_account_id, length(o.raw)";

    private static QueueEntry ReadEntry(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), JsonSerializer.Deserialize<List<string>>(r.GetString(4)) ?? [],
        r.GetInt32(5), SqlExtensions.FromUnixMs(r.GetInt64(6)), SqlExtensions.FromUnixMs(r.GetInt64(7)), r.GetStringOrNull(8),
        r.GetInt64(9) != 0, r.IsDBNull(10) ? null : r.GetInt64(10), r.GetInt64(11));

    /// <summary>Inside a write unit: stores the message once and makes one entry per recipient domain.</summary>
    internal static IReadOnlyList<long> Enqueue(WriteContext context, byte[] raw, OutboundEnvelope envelope, DateTimeOffset now)
    {
        var messageId = context.Command("INSERT INTO outbound_messages (raw, mail_from, sender_account_id, created_at) VALUES ($r, $f, $s, $t) RETURNING id")
            .With("$r", raw).With("$f", envelope.MailFrom).With("$s", envelope.SenderAccountId).With("$t", now.ToUnixMs()).ScalarLong();
        var ids = new List<long>();
        foreach (var group in envelope.Recipients.GroupBy(AddressRules.DomainOf, StringComparer.OrdinalIgnoreCase))
        {
            ids.Add(context.Command("INSERT INTO outbound_queue (message_id, domain, recipients, created_at, next_attempt_at) VALUES ($m, $d, $r, $t, $t) RETURNING id")
                .With("$m", messageId).With("$d", group.Key.ToLowerInvariant()).With("$r", JsonSerializer.Serialize(group.Distinct(StringComparer.OrdinalIgnoreCase).ToList()))
                .With("$t", now.ToUnixMs()).ScalarLong());
        }
        return ids;
    }

    public async Task<Page<QueueEntry>> ListAsync(int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        var total = await CountAsync(cancellationToken).ConfigureAwait(false);
        var items = await QueryAsync($"SELECT {EntryColumns} FROM outbound_queue q JOIN outbound_messages o ON o.id = q.message_id ORDER BY q.next_attempt_at, q.id LIMIT $n OFFSET $o",
            cancellationToken, ("$n", pageSize), ("$o", (long)Math.Max(0, pageIndex) * pageSize)).ConfigureAwait(false);
        return new Page<QueueEntry>(items, total, pageIndex, pageSize);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM outbound_queue";
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(long Count, DateTimeOffset? Oldest)> GetBacklogAsync(CancellationToken cancellationToken) =>
        await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*), min(created_at) FROM outbound_queue";
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (reader.GetInt64(0), reader.FromUnixMsOrNull(1));
        }, cancellationToken).ConfigureAwait(false);

    public async Task<QueueEntry?> GetAsync(long entryId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {EntryColumns} FROM outbound_queue q JOIN outbound_messages o ON o.id = q.message_id WHERE q.id = $id", cancellationToken, ("$id", entryId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<QueueEntry>> GetDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {EntryColumns} FROM outbound_queue q JOIN outbound_messages o ON o.id = q.message_id WHERE q.next_attempt_at <= $now ORDER BY q.next_attempt_at, q.id LIMIT $n",
            cancellationToken, ("$now", now.ToUnixMs()), ("$n", limit)).ConfigureAwait(false);

    public async Task<IReadOnlyList<QueueEntry>> ClaimDueAsync(string nodeId, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        int held;
        lock (_claims)
            held = _claims.Count;
        // Claimed entries are skipped after the read, so read as many more as could be claimed.
        var due = await GetDueAsync(now, limit + held, cancellationToken).ConfigureAwait(false);
        lock (_claims)
            return due.Where(e => TryTake(e.Id, nodeId, now, leaseUntil)).Take(limit).ToList();
    }

    public async Task<QueueEntry?> TryClaimAsync(long entryId, string nodeId, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        var entry = await GetAsync(entryId, cancellationToken).ConfigureAwait(false);
        lock (_claims)
            return entry is not null && TryTake(entryId, nodeId, now, leaseUntil) ? entry : null;
    }

    /// <summary>Under the lock: claims the entry unless a live lease holds it.</summary>
    private bool TryTake(long entryId, string nodeId, DateTimeOffset now, DateTimeOffset leaseUntil)
    {
        if (_claims.TryGetValue(entryId, out var claim) && claim.Until > now)
            return false;
        _claims[entryId] = (nodeId, leaseUntil);
        return true;
    }

    public Task<int> RenewLeasesAsync(IReadOnlyCollection<long> entryIds, string nodeId, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        var renewed = 0;
        lock (_claims)
        {
            foreach (var id in entryIds)
            {
                if (_claims.TryGetValue(id, out var claim) && claim.Node == nodeId)
                {
                    _claims[id] = (nodeId, leaseUntil);
                    renewed++;
                }
            }
        }
        return Task.FromResult(renewed);
    }

    public Task ReleaseAsync(long entryId, string nodeId, CancellationToken cancellationToken)
    {
        lock (_claims)
        {
            if (_claims.TryGetValue(entryId, out var claim) && claim.Node == nodeId)
                _claims.Remove(entryId);
        }
        return Task.CompletedTask;
    }

    private void EndClaim(long entryId)
    {
        lock (_claims)
            _claims.Remove(entryId);
    }

    public async Task<byte[]?> GetMessageAsync(long messageId, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT raw FROM outbound_messages WHERE id = $id";
            command.With("$id", messageId);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task RecordAttemptAsync(long entryId, IReadOnlyList<string> remainingRecipients, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken)
    {
        await database.Writer.ExecuteAsync(context =>
            context.Command("UPDATE outbound_queue SET recipients = $r, attempts = attempts + 1, next_attempt_at = $n, last_error = $e WHERE id = $id")
                .With("$r", JsonSerializer.Serialize(remainingRecipients)).With("$n", nextAttemptAt.ToUnixMs()).With("$e", error).With("$id", entryId).ExecuteNonQuery(),
            cancellationToken).ConfigureAwait(false);
        EndClaim(entryId);
    }

    public Task MarkWarningSentAsync(long entryId, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("UPDATE outbound_queue SET warning_sent = 1 WHERE id = $id").With("$id", entryId).ExecuteNonQuery(), cancellationToken);

    public async Task CompleteAsync(long entryId, DeliveryRequest? bounce, CancellationToken cancellationToken)
    {
        if (bounce is not null)
        {
            // The bounce and the removal commit together: a crash in between can neither lose the bounce nor send it twice.
            await messages.DeliverAsync(bounce, cancellationToken, context => RemoveEntry(context, entryId)).ConfigureAwait(false);
        }
        else
        {
            await database.Writer.ExecuteAsync(context => RemoveEntry(context, entryId), cancellationToken).ConfigureAwait(false);
        }
        EndClaim(entryId);
    }

    internal static void RemoveEntry(WriteContext context, long entryId)
    {
        var messageId = context.Command("DELETE FROM outbound_queue WHERE id = $id RETURNING message_id").With("$id", entryId).ExecuteScalar();
        if (messageId is not null)
            context.Command("DELETE FROM outbound_messages WHERE id = $m AND NOT EXISTS (SELECT 1 FROM outbound_queue WHERE message_id = $m)").With("$m", messageId).ExecuteNonQuery();
    }

    public Task RetryNowAsync(long entryId, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("UPDATE outbound_queue SET next_attempt_at = $n WHERE id = $id").With("$n", time.GetUtcNow().ToUnixMs()).With("$id", entryId).ExecuteNonQuery(), cancellationToken);

    public Task<IReadOnlyList<long>> EnqueueAsync(ReadOnlyMemory<byte> raw, OutboundEnvelope envelope, CancellationToken cancellationToken)
    {
        var bytes = raw.ToArray();
        return database.Writer.ExecuteAsync(context => Enqueue(context, bytes, envelope, time.GetUtcNow()), cancellationToken);
    }

    private Task<List<QueueEntry>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.QueryAsync(sql, ReadEntry, cancellationToken, parameters);
}
