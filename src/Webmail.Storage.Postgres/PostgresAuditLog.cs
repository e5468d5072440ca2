using Microsoft.Extensions.Logging;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The PostgreSQL implementation of <see cref="IAuditLog"/> and <see cref="IServerStateStore"/>, the same contracts as <c>SqliteAuditLog</c>.</summary>
public sealed class PostgresAuditLog(PostgresDatabase database, TimeProvider time, ILogger<PostgresAuditLog> logger) : IAuditLog, IServerStateStore
{
    public Task WriteAsync(string actor, string action, string target, string detail, string? remoteIp, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await InsertAsync(unit, new AuditRecord(actor, action, target, detail, remoteIp), time.GetUtcNow()).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>Inside a unit of work: adds the audit row, every field bounded first, so it commits (or rolls back) with the change it records.</summary>
    internal static Task<int> InsertAsync(PostgresUnit unit, AuditRecord entry, DateTimeOffset at) =>
        unit.Sql("INSERT INTO audit_log (at, actor, action, target, detail, remote_ip) VALUES (@t, @ac, @an, @tg, @d, @ip)")
            .With("t", at.ToUnixTimeMilliseconds()).With("ac", LogText.Bound(entry.Actor)).With("an", LogText.Bound(entry.Action, 64))
            .With("tg", LogText.Bound(entry.Target)).With("d", LogText.Bound(entry.Detail, 1000)).With("ip", entry.RemoteIp is null ? null : LogText.Bound(entry.RemoteIp, 64))
            .ExecuteAsync();

    public Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < @t ORDER BY at LIMIT @n)")
                .With("t", before.ToUnixTimeMilliseconds()).With("n", limit).ExecuteAsync(), cancellationToken);

    public async Task<Page<AuditEntry>> QueryAsync(string? filter, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        var pattern = SqlExtensions.ContainsPattern(filter);
        // ILIKE: SQLite's LIKE ignores (ASCII) case.
        const string where = "WHERE actor ILIKE @p ESCAPE '\\' OR action ILIKE @p ESCAPE '\\' OR target ILIKE @p ESCAPE '\\' OR coalesce(remote_ip, '') ILIKE @p ESCAPE '\\'";
        var total = (await database.QueryAsync($"SELECT count(*) FROM audit_log {where}", r => r.GetInt64(0), cancellationToken, ("p", pattern)).ConfigureAwait(false))[0];
        var items = await database.QueryAsync($"SELECT id, at, actor, action, target, detail, remote_ip FROM audit_log {where} ORDER BY id DESC LIMIT @n OFFSET @o",
            r => new AuditEntry(r.GetInt64(0), PostgresRows.FromUnixMs(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetStringOrNull(6)),
            cancellationToken, ("p", pattern), ("n", pageSize), ("o", (long)pageIndex * pageSize)).ConfigureAwait(false);
        return new Page<AuditEntry>(items, total, pageIndex, pageSize);
    }

    public async Task<long> CountSinceAsync(string action, DateTimeOffset since, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT count(*) FROM audit_log WHERE action = @a AND at >= @t", r => r.GetInt64(0), cancellationToken,
            ("a", action), ("t", since.ToUnixTimeMilliseconds())).ConfigureAwait(false))[0];

    public Task RecordMailEventAsync(MailEventKind kind, int count, CancellationToken cancellationToken) =>
        // The statement a delivery also runs inside its own unit (an atomic upsert: concurrent writers add up).
        PostgresUnits.WriteAsync(database, logger, unit => CountMailEventAsync(unit, kind, count, time.GetUtcNow(), shard: 0), cancellationToken);

    /// <summary>
    /// Adds to the hour's count of <paramref name="kind"/> in <paramref name="shard"/> inside <paramref name="unit"/> (an
    /// atomic upsert: concurrent writers add up). The row stays locked until the unit commits, so writers that must not
    /// take turns count in different shards (the delivery lanes, migration 0007); reads add the shards up.
    /// </summary>
    internal static Task CountMailEventAsync(PostgresUnit unit, MailEventKind kind, int count, DateTimeOffset at, int shard) =>
        unit.Sql("INSERT INTO mail_events (hour, kind, shard, count) VALUES (@h, @k, @s, @c) ON CONFLICT (hour, kind, shard) DO UPDATE SET count = mail_events.count + excluded.count")
            .With("h", at.ToUnixTimeSeconds() / 3600 * 3600).With("k", (long)kind).With("s", (short)shard).With("c", (long)count).ExecuteAsync();

    public async Task<IReadOnlyList<(DateTimeOffset Bucket, MailEventKind Kind, long Count)>> GetMailEventsAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(3600, (long)bucket.TotalSeconds);
        return await database.QueryAsync(
            "SELECT b, kind, sum(count)::bigint FROM (SELECT hour / @b * @b AS b, kind, count FROM mail_events WHERE hour >= @s) e GROUP BY b, kind ORDER BY b, kind",
            r => (DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)), (MailEventKind)r.GetInt64(1), r.GetInt64(2)),
            cancellationToken, ("b", seconds), ("s", since.ToUnixTimeSeconds() / seconds * seconds)).ConfigureAwait(false);
    }

    public async Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT value FROM server_settings WHERE key = @k", r => r.GetString(0), cancellationToken, ("k", key)).ConfigureAwait(false)).FirstOrDefault();

    public Task SetSettingAsync(string key, string value, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("INSERT INTO server_settings (key, value) VALUES (@k, @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .With("k", key).With("v", value).ExecuteAsync(), cancellationToken);

    /// <summary>The database's size is PostgreSQL's own count for the whole database (tables, indexes, TOAST).</summary>
    public async Task<(long Messages, long Bytes, long DatabaseBytes)> GetTotalsAsync(CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT coalesce(sum(message_count), 0)::bigint, coalesce(sum(used_bytes), 0)::bigint, pg_database_size(current_database()) FROM accounts",
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)), cancellationToken).ConfigureAwait(false))[0];
}
