using Npgsql;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The <see cref="IApiTokenStore"/> half of the directory: table <c>api_tokens</c>.</summary>
public sealed partial class PostgresDirectoryStore
{
    private const string ApiTokenColumns = "t.id, t.account_id, a.address, t.name, t.scope, t.created_at, t.last_used_at, t.last_ip";

    private static ApiToken ReadApiToken(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), (ApiTokenScope)r.GetInt64(4), PostgresRows.FromUnixMs(r.GetInt64(5)), PostgresRows.FromUnixMsOrNull(r, 6), r.GetStringOrNull(7));

    public async Task<IReadOnlyList<ApiToken>> ListApiTokensAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {ApiTokenColumns} FROM api_tokens t JOIN accounts a ON a.id = t.account_id ORDER BY t.created_at, t.id", ReadApiToken, cancellationToken).ConfigureAwait(false);

    public async Task<ApiToken?> AddApiTokenAsync(long accountId, string name, string secretHash, ApiTokenScope scope, int limit, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            if (await unit.Sql("SELECT count(*) FROM api_tokens WHERE account_id = @a").With("a", accountId).LongAsync().ConfigureAwait(false) >= limit)
                return (long?)null;
            var now = time.GetUtcNow();
            var id = await unit.Sql("INSERT INTO api_tokens (account_id, name, secret_hash, scope, created_at) VALUES (@a, @n, @h, @s, @t) RETURNING id")
                .With("a", accountId).With("n", name).With("h", secretHash).With("s", (long)scope).With("t", now.ToUnixTimeMilliseconds()).LongAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, now).ConfigureAwait(false);
            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {ApiTokenColumns} FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = @id", ReadApiToken, cancellationToken, ("id", id.Value)).ConfigureAwait(false)).Single();
    }

    public Task<bool> RemoveApiTokenAsync(long id, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            if (await unit.Sql("DELETE FROM api_tokens WHERE id = @id").With("id", id).ExecuteAsync().ConfigureAwait(false) == 0)
                return false;
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public async Task<ApiToken?> FindApiTokenAsync(string secretHash, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {ApiTokenColumns} FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.secret_hash = @h AND NOT a.is_disabled AND a.is_admin",
            ReadApiToken, cancellationToken, ("h", secretHash)).ConfigureAwait(false)).FirstOrDefault();

    public Task RecordApiTokenUseAsync(long id, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE api_tokens SET last_used_at = @t, last_ip = @ip WHERE id = @id", audit: null, cancellationToken, ("t", at.ToUnixTimeMilliseconds()), ("ip", remoteIp), ("id", id));
}
