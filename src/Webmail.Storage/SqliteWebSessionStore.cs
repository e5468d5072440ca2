using Microsoft.Data.Sqlite;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The SQLite implementation of <see cref="IWebSessionStore"/>.</summary>
public sealed class SqliteWebSessionStore(SqliteDatabase database) : IWebSessionStore
{
    public Task CreateAsync(WebSessionRecord session, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("INSERT INTO web_sessions (id_hash, account_id, created_at, last_seen, expires_at, persistent, remote_ip, user_agent) " +
                            "VALUES ($id, $a, $c, $l, $e, $p, $ip, $ua)")
                .With("$id", session.IdHash).With("$a", session.AccountId).With("$c", session.Created.ToUnixMs())
                .With("$l", session.LastSeen.ToUnixMs()).With("$e", session.Expires.ToUnixMs()).With("$p", session.Persistent ? 1 : 0)
                .With("$ip", session.RemoteIp).With("$ua", session.UserAgent)
                // A small bookkeeping row, not content: on a full disk people must still sign in to read and delete.
                .ExecuteNonQuery(), WriteKind.ChangesOrRemoves, cancellationToken);

    public async Task<WebSessionRecord?> FindActiveAsync(string idHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id_hash, account_id, created_at, last_seen, expires_at, persistent, remote_ip, user_agent " +
                                  "FROM web_sessions WHERE id_hash = $id AND expires_at > $now";
            command.With("$id", idHash).With("$now", now.ToUnixMs());
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return reader.Read() ? Read(reader) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task TouchAsync(string idHash, DateTimeOffset lastSeen, DateTimeOffset expires, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("UPDATE web_sessions SET last_seen = $l, expires_at = max(expires_at, $e) WHERE id_hash = $id")
                .With("$id", idHash).With("$l", lastSeen.ToUnixMs()).With("$e", expires.ToUnixMs()).ExecuteNonQuery(), WriteKind.ChangesOrRemoves, cancellationToken);

    public Task EndAsync(string idHash, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("DELETE FROM web_sessions WHERE id_hash = $id").With("$id", idHash).ExecuteNonQuery(), WriteKind.ChangesOrRemoves, cancellationToken);

    public async Task<IReadOnlyList<WebSessionRecord>> ListActiveAsync(long accountId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT id_hash, account_id, created_at, last_seen, expires_at, persistent, remote_ip, user_agent " +
                                  "FROM web_sessions WHERE account_id = $a AND expires_at > $now ORDER BY last_seen DESC, created_at DESC",
            Read, cancellationToken, ("$a", accountId), ("$now", now.ToUnixMs())).ConfigureAwait(false);

    public Task<int> EndAccountSessionsAsync(long accountId, string? idHash, string? keepIdHash, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("DELETE FROM web_sessions WHERE account_id = $a AND ($id IS NULL OR id_hash = $id) AND ($keep IS NULL OR id_hash <> $keep)")
                .With("$a", accountId).With("$id", idHash).With("$keep", keepIdHash).ExecuteNonQuery(), WriteKind.ChangesOrRemoves, cancellationToken);

    public Task<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("DELETE FROM web_sessions WHERE expires_at <= $now").With("$now", now.ToUnixMs()).ExecuteNonQuery(), WriteKind.ChangesOrRemoves, cancellationToken);

    private static WebSessionRecord Read(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt64(1), SqlExtensions.FromUnixMs(r.GetInt64(2)), SqlExtensions.FromUnixMs(r.GetInt64(3)),
        SqlExtensions.FromUnixMs(r.GetInt64(4)), r.GetInt64(5) != 0, r.GetStringOrNull(6), r.GetString(7));
}
