using Microsoft.Extensions.Logging;
using Npgsql;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The PostgreSQL implementation of <see cref="IWebSessionStore"/>, the same contract as <c>SqliteWebSessionStore</c>.</summary>
public sealed class PostgresWebSessionStore(PostgresDatabase database, ILogger<PostgresWebSessionStore> logger) : IWebSessionStore
{
    private const string Columns = "id_hash, account_id, created_at, last_seen, expires_at, persistent, remote_ip, user_agent";

    public Task CreateAsync(WebSessionRecord session, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql($"INSERT INTO web_sessions ({Columns}) VALUES (@id, @a, @c, @l, @e, @p, @ip, @ua)")
                .With("id", session.IdHash).With("a", session.AccountId).With("c", session.Created.ToUnixTimeMilliseconds())
                .With("l", session.LastSeen.ToUnixTimeMilliseconds()).With("e", session.Expires.ToUnixTimeMilliseconds()).With("p", session.Persistent)
                .With("ip", session.RemoteIp).With("ua", session.UserAgent)
                .ExecuteAsync(), cancellationToken);

    public async Task<WebSessionRecord?> FindActiveAsync(string idHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {Columns} FROM web_sessions WHERE id_hash = @id AND expires_at > @now", Read, cancellationToken,
            ("id", idHash), ("now", now.ToUnixTimeMilliseconds())).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>The expiry only moves forward (<c>greatest</c>): two requests touching at once cannot shorten it.</summary>
    public Task TouchAsync(string idHash, DateTimeOffset lastSeen, DateTimeOffset expires, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("UPDATE web_sessions SET last_seen = @l, expires_at = greatest(expires_at, @e) WHERE id_hash = @id")
                .With("id", idHash).With("l", lastSeen.ToUnixTimeMilliseconds()).With("e", expires.ToUnixTimeMilliseconds()).ExecuteAsync(), cancellationToken);

    public Task EndAsync(string idHash, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit => unit.Sql("DELETE FROM web_sessions WHERE id_hash = @id").With("id", idHash).ExecuteAsync(), cancellationToken);

    public async Task<IReadOnlyList<WebSessionRecord>> ListActiveAsync(long accountId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {Columns} FROM web_sessions WHERE account_id = @a AND expires_at > @now ORDER BY last_seen DESC, created_at DESC",
            Read, cancellationToken, ("a", accountId), ("now", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);

    public Task<int> EndAccountSessionsAsync(long accountId, string? idHash, string? keepIdHash, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            // The casts type the parameters when they are null (PostgreSQL cannot infer a type from "IS NULL" alone).
            unit.Sql("DELETE FROM web_sessions WHERE account_id = @a AND (@id::text IS NULL OR id_hash = @id::text) AND (@keep::text IS NULL OR id_hash <> @keep::text)")
                .With("a", accountId).With("id", idHash).With("keep", keepIdHash).ExecuteAsync(), cancellationToken);

    public Task<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit => unit.Sql("DELETE FROM web_sessions WHERE expires_at <= @now").With("now", now.ToUnixTimeMilliseconds()).ExecuteAsync(), cancellationToken);

    private static WebSessionRecord Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt64(1), PostgresRows.FromUnixMs(r.GetInt64(2)), PostgresRows.FromUnixMs(r.GetInt64(3)),
        PostgresRows.FromUnixMs(r.GetInt64(4)), r.GetBoolean(5), r.GetStringOrNull(6), r.GetString(7));
}
