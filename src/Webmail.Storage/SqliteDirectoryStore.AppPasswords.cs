using Microsoft.Data.Sqlite;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The <see cref="IAppPasswordStore"/> half of the directory: table <c>app_passwords</c> (migration 0011).</summary>
public sealed partial class SqliteDirectoryStore
{
    private const string AppPasswordColumns = "p.id, p.account_id, p.name, p.protocols, p.created_at, p.last_used_at, p.last_ip";

    private static AppPassword ReadAppPassword(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), (AppPasswordProtocols)r.GetInt32(3), SqlExtensions.FromUnixMs(r.GetInt64(4)), r.FromUnixMsOrNull(5), r.GetStringOrNull(6));

    public async Task<IReadOnlyList<AppPassword>> ListAppPasswordsAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {AppPasswordColumns} FROM app_passwords p WHERE p.account_id = $a ORDER BY p.created_at, p.id", ReadAppPassword, cancellationToken, ("$a", accountId)).ConfigureAwait(false);

    public async Task<AppPassword?> AddAppPasswordAsync(long accountId, string name, string secretHash, AppPasswordProtocols protocols, int limit, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("SELECT count(*) FROM app_passwords WHERE account_id = $a").With("$a", accountId).ScalarLong() >= limit)
                return (long?)null;
            var now = time.GetUtcNow();
            var id = context.Command("INSERT INTO app_passwords (account_id, name, secret_hash, protocols, created_at) VALUES ($a, $n, $h, $p, $t) RETURNING id")
                .With("$a", accountId).With("$n", name).With("$h", secretHash).With("$p", (int)protocols).With("$t", now.ToUnixMs()).ScalarLong();
            SqliteAuditLog.Insert(context, audit, now);
            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {AppPasswordColumns} FROM app_passwords p WHERE p.id = $id", ReadAppPassword, cancellationToken, ("$id", id.Value)).ConfigureAwait(false)).Single();
    }

    public Task<bool> RemoveAppPasswordAsync(long accountId, long id, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("DELETE FROM app_passwords WHERE id = $id AND account_id = $a").With("$id", id).With("$a", accountId).ExecuteNonQuery() == 0)
                return false;
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return true;
        }, cancellationToken);

    public async Task<(AppPassword Password, string Address)?> FindAppPasswordAsync(string secretHash, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync($"SELECT {AppPasswordColumns}, a.address FROM app_passwords p JOIN accounts a ON a.id = p.account_id WHERE p.secret_hash = $h AND a.is_disabled = 0",
            r => (ReadAppPassword(r), r.GetString(7)), cancellationToken, ("$h", secretHash)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task RecordAppPasswordUseAsync(long id, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE app_passwords SET last_used_at = $t, last_ip = $ip WHERE id = $id", audit: null, cancellationToken, ("$t", at.ToUnixMs()), ("$ip", remoteIp), ("$id", id));
}
