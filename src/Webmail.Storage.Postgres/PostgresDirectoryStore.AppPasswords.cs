using Npgsql;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The <see cref="IAppPasswordStore"/> half of the directory: table <c>app_passwords</c>.</summary>
public sealed partial class PostgresDirectoryStore
{
    private const string AppPasswordColumns = "p.id, p.account_id, p.name, p.protocols, p.created_at, p.last_used_at, p.last_ip";

    private static AppPassword ReadAppPassword(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), (AppPasswordProtocols)r.GetInt64(3), PostgresRows.FromUnixMs(r.GetInt64(4)), PostgresRows.FromUnixMsOrNull(r, 5), r.GetStringOrNull(6));

    public async Task<IReadOnlyList<AppPassword>> ListAppPasswordsAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {AppPasswordColumns} FROM app_passwords p WHERE p.account_id = @a ORDER BY p.created_at, p.id", ReadAppPassword, cancellationToken, ("a", accountId)).ConfigureAwait(false);

    public async Task<AppPassword?> AddAppPasswordAsync(long accountId, string name, string secretHash, AppPasswordProtocols protocols, int limit, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            if (await unit.Sql("SELECT count(*) FROM app_passwords WHERE account_id = @a").With("a", accountId).LongAsync().ConfigureAwait(false) >= limit)
                return (long?)null;
            var now = time.GetUtcNow();
            var id = await unit.Sql("INSERT INTO app_passwords (account_id, name, secret_hash, protocols, created_at) VALUES (@a, @n, @h, @p, @t) RETURNING id")
                .With("a", accountId).With("n", name).With("h", secretHash).With("p", (long)protocols).With("t", now.ToUnixTimeMilliseconds()).LongAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, now).ConfigureAwait(false);
            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {AppPasswordColumns} FROM app_passwords p WHERE p.id = @id", ReadAppPassword, cancellationToken, ("id", id.Value)).ConfigureAwait(false)).Single();
    }

    public Task<bool> RemoveAppPasswordAsync(long accountId, long id, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            if (await unit.Sql("DELETE FROM app_passwords WHERE id = @id AND account_id = @a").With("id", id).With("a", accountId).ExecuteAsync().ConfigureAwait(false) == 0)
                return false;
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public async Task<(AppPassword Password, string Address)?> FindAppPasswordAsync(string secretHash, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync($"SELECT {AppPasswordColumns}, a.address FROM app_passwords p JOIN accounts a ON a.id = p.account_id WHERE p.secret_hash = @h AND NOT a.is_disabled",
            r => (ReadAppPassword(r), r.GetString(7)), cancellationToken, ("h", secretHash)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task RecordAppPasswordUseAsync(long id, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE app_passwords SET last_used_at = @t, last_ip = @ip WHERE id = @id", audit: null, cancellationToken, ("t", at.ToUnixTimeMilliseconds()), ("ip", remoteIp), ("id", id));
}
