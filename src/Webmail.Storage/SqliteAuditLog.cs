using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The SQLite implementation of <see cref="IAuditLog"/> and <see cref="IServerStateStore"/>.</summary>
public sealed class SqliteAuditLog(SqliteDatabase database, TimeProvider time) : IAuditLog, IServerStateStore
{
    public Task WriteAsync(string actor, string action, string target, string detail, string? remoteIp, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context => Insert(context, new AuditRecord(actor, action, target, detail, remoteIp), time.GetUtcNow()), cancellationToken);

    /// <summary>Inside a write unit: adds the audit row, every field bounded first, so it commits (or rolls back) with the change it records.</summary>
    internal static void Insert(WriteContext context, AuditRecord entry, DateTimeOffset at) =>
        context.Command("INSERT INTO audit_log (at, actor, action, target, detail, remote_ip) VALUES ($t, $ac, $an, $tg, $d, $ip)")
            .With("$t", at.ToUnixMs()).With("$ac", LogText.Bound(entry.Actor)).With("$an", LogText.Bound(entry.Action, 64))
            .With("$tg", LogText.Bound(entry.Target)).With("$d", LogText.Bound(entry.Detail, 1000)).With("$ip", entry.RemoteIp is null ? null : LogText.Bound(entry.RemoteIp, 64))
            .ExecuteNonQuery();

    public Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $t ORDER BY at LIMIT $n)")
                .With("$t", before.ToUnixMs()).With("$n", limit).ExecuteNonQuery(), WriteKind.ChangesOrRemoves, cancellationToken);

    public async Task<Page<AuditEntry>> QueryAsync(string? filter, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        var pattern = SqlExtensions.ContainsPattern(filter);
        const string where = "WHERE actor LIKE $p ESCAPE '\\' OR action LIKE $p ESCAPE '\\' OR target LIKE $p ESCAPE '\\' OR ifnull(remote_ip, '') LIKE $p ESCAPE '\\'";
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM audit_log {where}";
            command.With("$p", pattern);
            var total = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
            command.CommandText = $"SELECT id, at, actor, action, target, detail, remote_ip FROM audit_log {where} ORDER BY id DESC LIMIT $n OFFSET $o";
            command.With("$n", pageSize).With("$o", (long)pageIndex * pageSize);
            var items = new List<AuditEntry>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (reader.Read())
                items.Add(new AuditEntry(reader.GetInt64(0), SqlExtensions.FromUnixMs(reader.GetInt64(1)), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetStringOrNull(6)));
            return new Page<AuditEntry>(items, total, pageIndex, pageSize);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountSinceAsync(string action, DateTimeOffset since, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM audit_log WHERE action = $a AND at >= $t";
            command.With("$a", action).With("$t", since.ToUnixMs());
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task RecordMailEventAsync(MailEventKind kind, int count, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context => CountMailEvent(context, kind, count, time.GetUtcNow()), cancellationToken);

    /// <summary>Inside a write unit: adds <paramref name="count"/> to the hour's counter of <paramref name="kind"/>.</summary>
    internal static void CountMailEvent(WriteContext context, MailEventKind kind, int count, DateTimeOffset at) =>
        context.Command("INSERT INTO mail_events (hour, kind, count) VALUES ($h, $k, $c) ON CONFLICT (hour, kind) DO UPDATE SET count = count + excluded.count")
            .With("$h", at.ToUnixTimeSeconds() / 3600 * 3600).With("$k", (int)kind).With("$c", count).ExecuteNonQuery();

    public async Task<IReadOnlyList<(DateTimeOffset Bucket, MailEventKind Kind, long Count)>> GetMailEventsAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(3600, (long)bucket.TotalSeconds);
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT hour / $b * $b, kind, sum(count) FROM mail_events WHERE hour >= $s GROUP BY hour / $b, kind ORDER BY 1";
            command.With("$b", seconds).With("$s", since.ToUnixTimeSeconds() / seconds * seconds);
            var list = new List<(DateTimeOffset, MailEventKind, long)>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (reader.Read())
                list.Add((DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(0)), (MailEventKind)reader.GetInt32(1), reader.GetInt64(2)));
            return list;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT value FROM server_settings WHERE key = $k";
            command.With("$k", key);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task SetSettingAsync(string key, string value, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("INSERT INTO server_settings (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .With("$k", key).With("$v", value).ExecuteNonQuery(), cancellationToken);

    public async Task<(long Messages, long Bytes, long DatabaseBytes)> GetTotalsAsync(CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT ifnull(sum(message_count), 0), ifnull(sum(used_bytes), 0) FROM accounts";
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            reader.Read();
            var size = new FileInfo(database.DatabasePath).Length + (File.Exists(database.DatabasePath + "-wal") ? new FileInfo(database.DatabasePath + "-wal").Length : 0);
            return (reader.GetInt64(0), reader.GetInt64(1), size);
        }, cancellationToken).ConfigureAwait(false);
    }
}
