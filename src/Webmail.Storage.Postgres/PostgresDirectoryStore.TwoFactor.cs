using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The <see cref="ITwoFactorStore"/> half of the directory: <c>accounts.totp_*</c> and <c>recovery_codes</c>. Taking a
/// TOTP step and using a recovery code are single conditional UPDATEs: of two sign-ins racing with one code, one wins.
/// </summary>
public sealed partial class PostgresDirectoryStore
{
    public async Task<string?> GetTotpSecretAsync(long accountId, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT totp_secret FROM accounts WHERE id = @a", r => r.GetStringOrNull(0), cancellationToken, ("a", accountId)).ConfigureAwait(false)).FirstOrDefault();

    public Task EnableTwoFactorAsync(long accountId, string secret, long acceptedStep, IReadOnlyList<string> recoveryCodeHashes, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, async unit =>
        {
            await unit.Sql("UPDATE accounts SET totp_secret = @s, totp_last_step = @st WHERE id = @a").With("s", secret).With("st", acceptedStep).With("a", accountId).ExecuteAsync().ConfigureAwait(false);
            await unit.Sql("DELETE FROM recovery_codes WHERE account_id = @a").With("a", accountId).ExecuteAsync().ConfigureAwait(false);
            foreach (var hash in recoveryCodeHashes)
                await unit.Sql("INSERT INTO recovery_codes (account_id, code_hash) VALUES (@a, @h)").With("a", accountId).With("h", hash).ExecuteAsync().ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    public Task<bool> DisableTwoFactorAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            if (await unit.Sql("UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL WHERE id = @a AND totp_secret IS NOT NULL").With("a", accountId).ExecuteAsync().ConfigureAwait(false) == 0)
                return false;
            await unit.Sql("DELETE FROM recovery_codes WHERE account_id = @a").With("a", accountId).ExecuteAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<bool> TryTakeTotpStepAsync(long accountId, long step, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
            await unit.Sql("UPDATE accounts SET totp_last_step = @st WHERE id = @a AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < @st)")
                .With("st", step).With("a", accountId).ExecuteAsync().ConfigureAwait(false) == 1, cancellationToken);

    public Task<bool> TryUseRecoveryCodeAsync(long accountId, string codeHash, DateTimeOffset at, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
            await unit.Sql("UPDATE recovery_codes SET used_at = @t WHERE account_id = @a AND code_hash = @h AND used_at IS NULL")
                .With("t", at.ToUnixTimeMilliseconds()).With("a", accountId).With("h", codeHash).ExecuteAsync().ConfigureAwait(false) == 1, cancellationToken);

    public async Task<int> CountUnusedRecoveryCodesAsync(long accountId, CancellationToken cancellationToken) =>
        (int)(await database.QueryAsync("SELECT count(*) FROM recovery_codes WHERE account_id = @a AND used_at IS NULL", r => r.GetInt64(0), cancellationToken, ("a", accountId)).ConfigureAwait(false))[0];
}
