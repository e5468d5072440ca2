using Microsoft.Data.Sqlite;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The <see cref="IApiTokenStore"/> half of the directory: table <c>api_tokens</c> (migration 0016).</summary>
public sealed partial class SqliteDirectoryStore
{
    private const string ApiTokenColumns = "t.id, t.account_id, a.address, t.name, t.scope, t.created_at, t.last_used_at, t.last_ip";

    private static ApiToken ReadApiToken(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), (ApiTokenScope)r.GetInt32(4), SqlExtensions.FromUnixMs(r.GetInt64(5)), r.FromUnixMsOrNull(6), r.GetStringOrNull(7));

    public async Task<IReadOnlyList<ApiToken>> ListApiTokensAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {ApiTokenColumns} FROM api_tokens t JOIN accounts a ON a.id = t.account_id ORDER BY t.created_at, t.id", ReadApiToken, cancellationToken).ConfigureAwait(false);

    public async Task<ApiToken?> AddApiTokenAsync(long accountId, string name, string secretHash, ApiTokenScope scope, int limit, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("SELECT count(*) FROM api_tokens WHERE account_id = $a").With("$a", accountId).ScalarLong() >= limit)
                return (long?)null;
            var now = time.GetUtcNow();
            var id = context.Command("INSERT INTO api_tokens (account_id, name, secret_hash, scope, created_at) VALUES ($a, $n, $h, $s, $t) RETURNING id")
                .With("$a", accountId).With("$n", name).With("$h", secretHash).With("$s", (int)scope).With("$t", now.ToUnixMs()).ScalarLong();
            SqliteAuditLog.Insert(context, audit, now);
            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {ApiTokenColumns} FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = $id", ReadApiToken, cancellationToken, ("$id", id.Value)).ConfigureAwait(false)).Single();
    }

    public Task<bool> RemoveApiTokenAsync(long id, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("DELETE FROM api_tokens WHERE id = $id").With("$id", id).ExecuteNonQuery() == 0)
                return false;
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return true;
        }, cancellationToken);

    public async Task<ApiToken?> FindApiTokenAsync(string secretHash, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {ApiTokenColumns} FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.secret_hash = $h AND a.is_disabled = 0 AND a.is_admin = 1",
            ReadApiToken, cancellationToken, ("$h", secretHash)).ConfigureAwait(false)).FirstOrDefault();

    public Task RecordApiTokenUseAsync(long id, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE api_tokens SET last_used_at = $t, last_ip = $ip WHERE id = $id", audit: null, cancellationToken, ("$t", at.ToUnixMs()), ("$ip", remoteIp), ("$id", id));
}
