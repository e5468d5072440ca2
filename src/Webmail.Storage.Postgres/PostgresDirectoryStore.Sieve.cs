using Npgsql;
using Webmail.Core.Filters;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The <see cref="ISieveScriptStore"/> half of the directory: table <c>sieve_scripts</c>. Every change runs under the
/// account's advisory lock, so the script limit, the one-active rule and renames cannot interleave between writers.
/// </summary>
public sealed partial class PostgresDirectoryStore
{
    private static SieveScriptInfo ReadSieveScript(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetBoolean(1), r.GetInt64(2), PostgresRows.FromUnixMs(r.GetInt64(3)), r.GetStringOrNull(4), PostgresRows.FromUnixMsOrNull(r, 5));

    // Script names compare and sort byte-wise, as SQLite's BINARY collation does.
    public async Task<IReadOnlyList<SieveScriptInfo>> ListSieveScriptsAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT name, is_active, octet_length(script)::bigint, updated_at, last_error, last_error_at FROM sieve_scripts WHERE account_id = @a ORDER BY name COLLATE \"C\"",
            ReadSieveScript, cancellationToken, ("a", accountId)).ConfigureAwait(false);

    public async Task<string?> GetSieveScriptAsync(long accountId, string name, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT script FROM sieve_scripts WHERE account_id = @a AND name = @n", r => r.GetString(0), cancellationToken, ("a", accountId), ("n", name)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<(string Name, string Text)?> GetActiveSieveScriptAsync(long accountId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT name, script FROM sieve_scripts WHERE account_id = @a AND is_active", r => (r.GetString(0), r.GetString(1)), cancellationToken, ("a", accountId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<bool> PutSieveScriptAsync(long accountId, string name, string text, int maxScripts, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            var exists = await SieveScriptExistsAsync(unit, accountId, name).ConfigureAwait(false);
            if (!exists && await unit.Sql("SELECT count(*) FROM sieve_scripts WHERE account_id = @a").With("a", accountId).LongAsync().ConfigureAwait(false) >= maxScripts)
                return false;
            var now = time.GetUtcNow();
            await unit.Sql("""
                INSERT INTO sieve_scripts (account_id, name, script, updated_at) VALUES (@a, @n, @s, @t)
                ON CONFLICT (account_id, name) DO UPDATE SET script = excluded.script, updated_at = excluded.updated_at, last_error = NULL, last_error_at = NULL
                """).With("a", accountId).With("n", name).With("s", text).With("t", now.ToUnixTimeMilliseconds()).ExecuteAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, now).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<bool> SetActiveSieveScriptAsync(long accountId, string? name, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            if (name is not null && !await SieveScriptExistsAsync(unit, accountId, name).ConfigureAwait(false))
                return false;
            await unit.Sql("UPDATE sieve_scripts SET is_active = false WHERE account_id = @a AND is_active").With("a", accountId).ExecuteAsync().ConfigureAwait(false);
            if (name is not null)
                await unit.Sql("UPDATE sieve_scripts SET is_active = true WHERE account_id = @a AND name = @n").With("a", accountId).With("n", name).ExecuteAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<SieveScriptStatus> DeleteSieveScriptAsync(long accountId, string name, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            var active = await unit.Sql("SELECT is_active FROM sieve_scripts WHERE account_id = @a AND name = @n").With("a", accountId).With("n", name).ScalarAsync().ConfigureAwait(false);
            if (active is null)
                return SieveScriptStatus.NotFound;
            if ((bool)active)
                return SieveScriptStatus.Active;
            await unit.Sql("DELETE FROM sieve_scripts WHERE account_id = @a AND name = @n").With("a", accountId).With("n", name).ExecuteAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return SieveScriptStatus.Ok;
        }, cancellationToken);

    public Task<SieveScriptStatus> RenameSieveScriptAsync(long accountId, string oldName, string newName, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            if (!await SieveScriptExistsAsync(unit, accountId, oldName).ConfigureAwait(false))
                return SieveScriptStatus.NotFound;
            if (await SieveScriptExistsAsync(unit, accountId, newName).ConfigureAwait(false))
                return SieveScriptStatus.AlreadyExists;
            await unit.Sql("UPDATE sieve_scripts SET name = @new WHERE account_id = @a AND name = @old").With("a", accountId).With("old", oldName).With("new", newName).ExecuteAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return SieveScriptStatus.Ok;
        }, cancellationToken);

    public Task RecordSieveErrorAsync(long accountId, string name, string error, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE sieve_scripts SET last_error = @e, last_error_at = @t WHERE account_id = @a AND name = @n", audit: null, cancellationToken,
            ("e", error), ("t", at.ToUnixTimeMilliseconds()), ("a", accountId), ("n", name));

    private static async Task<bool> SieveScriptExistsAsync(PostgresUnit unit, long accountId, string name) =>
        await unit.Sql("SELECT 1 FROM sieve_scripts WHERE account_id = @a AND name = @n").With("a", accountId).With("n", name).ScalarAsync().ConfigureAwait(false) is not null;
}
