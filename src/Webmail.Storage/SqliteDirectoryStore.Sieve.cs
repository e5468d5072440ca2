using Microsoft.Data.Sqlite;
using Webmail.Core.Filters;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The <see cref="ISieveScriptStore"/> half of the directory: table <c>sieve_scripts</c> (migration 0013).</summary>
public sealed partial class SqliteDirectoryStore
{
    private static SieveScriptInfo ReadSieveScript(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt64(1) != 0, r.GetInt64(2), SqlExtensions.FromUnixMs(r.GetInt64(3)), r.GetStringOrNull(4), r.FromUnixMsOrNull(5));

    public async Task<IReadOnlyList<SieveScriptInfo>> ListSieveScriptsAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT name, is_active, length(CAST(script AS BLOB)), updated_at, last_error, last_error_at FROM sieve_scripts WHERE account_id = $a ORDER BY name",
            ReadSieveScript, cancellationToken, ("$a", accountId)).ConfigureAwait(false);

    public async Task<string?> GetSieveScriptAsync(long accountId, string name, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT script FROM sieve_scripts WHERE account_id = $a AND name = $n", r => r.GetString(0), cancellationToken, ("$a", accountId), ("$n", name)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<(string Name, string Text)?> GetActiveSieveScriptAsync(long accountId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT name, script FROM sieve_scripts WHERE account_id = $a AND is_active = 1", r => (r.GetString(0), r.GetString(1)), cancellationToken, ("$a", accountId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<bool> PutSieveScriptAsync(long accountId, string name, string text, int maxScripts, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            var exists = context.Command("SELECT count(*) FROM sieve_scripts WHERE account_id = $a AND name = $n").With("$a", accountId).With("$n", name).ScalarLong() > 0;
            if (!exists && context.Command("SELECT count(*) FROM sieve_scripts WHERE account_id = $a").With("$a", accountId).ScalarLong() >= maxScripts)
                return false;
            var now = time.GetUtcNow();
            context.Command("""
                INSERT INTO sieve_scripts (account_id, name, script, updated_at) VALUES ($a, $n, $s, $t)
                ON CONFLICT (account_id, name) DO UPDATE SET script = excluded.script, updated_at = excluded.updated_at, last_error = NULL, last_error_at = NULL
                """).With("$a", accountId).With("$n", name).With("$s", text).With("$t", now.ToUnixMs()).ExecuteNonQuery();
            SqliteAuditLog.Insert(context, audit, now);
            return true;
        }, cancellationToken);

    public Task<bool> SetActiveSieveScriptAsync(long accountId, string? name, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            if (name is not null && context.Command("SELECT count(*) FROM sieve_scripts WHERE account_id = $a AND name = $n").With("$a", accountId).With("$n", name).ScalarLong() == 0)
                return false;
            context.Command("UPDATE sieve_scripts SET is_active = 0 WHERE account_id = $a AND is_active = 1").With("$a", accountId).ExecuteNonQuery();
            if (name is not null)
                context.Command("UPDATE sieve_scripts SET is_active = 1 WHERE account_id = $a AND name = $n").With("$a", accountId).With("$n", name).ExecuteNonQuery();
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return true;
        }, cancellationToken);

    public Task<SieveScriptStatus> DeleteSieveScriptAsync(long accountId, string name, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            var active = context.Command("SELECT is_active FROM sieve_scripts WHERE account_id = $a AND name = $n").With("$a", accountId).With("$n", name).ExecuteScalar();
            if (active is null)
                return SieveScriptStatus.NotFound;
            if (Convert.ToInt64(active) != 0)
                return SieveScriptStatus.Active;
            context.Command("DELETE FROM sieve_scripts WHERE account_id = $a AND name = $n").With("$a", accountId).With("$n", name).ExecuteNonQuery();
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return SieveScriptStatus.Ok;
        }, cancellationToken);

    public Task<SieveScriptStatus> RenameSieveScriptAsync(long accountId, string oldName, string newName, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("SELECT count(*) FROM sieve_scripts WHERE account_id = $a AND name = $n").With("$a", accountId).With("$n", oldName).ScalarLong() == 0)
                return SieveScriptStatus.NotFound;
            if (context.Command("SELECT count(*) FROM sieve_scripts WHERE account_id = $a AND name = $n").With("$a", accountId).With("$n", newName).ScalarLong() > 0)
                return SieveScriptStatus.AlreadyExists;
            context.Command("UPDATE sieve_scripts SET name = $new WHERE account_id = $a AND name = $old").With("$a", accountId).With("$old", oldName).With("$new", newName).ExecuteNonQuery();
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return SieveScriptStatus.Ok;
        }, cancellationToken);

    public Task RecordSieveErrorAsync(long accountId, string name, string error, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE sieve_scripts SET last_error = $e, last_error_at = $t WHERE account_id = $a AND name = $n", audit: null, cancellationToken,
            ("$e", error), ("$t", at.ToUnixMs()), ("$a", accountId), ("$n", name));
}
