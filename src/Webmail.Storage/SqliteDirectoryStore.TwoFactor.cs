using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The <see cref="ITwoFactorStore"/> half of the directory: <c>accounts.totp_*</c> and <c>recovery_codes</c> (migration 0012).</summary>
public sealed partial class SqliteDirectoryStore
{
    public async Task<string?> GetTotpSecretAsync(long accountId, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT totp_secret FROM accounts WHERE id = $a", r => r.GetStringOrNull(0), cancellationToken, ("$a", accountId)).ConfigureAwait(false)).FirstOrDefault();

    public Task EnableTwoFactorAsync(long accountId, string secret, long acceptedStep, IReadOnlyList<string> recoveryCodeHashes, AuditRecord audit, CancellationToken cancellationToken) =>
        AuditedAsync(audit, context =>
        {
            context.Command("UPDATE accounts SET totp_secret = $s, totp_last_step = $st WHERE id = $a").With("$s", secret).With("$st", acceptedStep).With("$a", accountId).ExecuteNonQuery();
            context.Command("DELETE FROM recovery_codes WHERE account_id = $a").With("$a", accountId).ExecuteNonQuery();
            foreach (var hash in recoveryCodeHashes)
                context.Command("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($a, $h)").With("$a", accountId).With("$h", hash).ExecuteNonQuery();
            return 0;
        }, cancellationToken);

    public async Task<bool> DisableTwoFactorAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken) =>
        await database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL WHERE id = $a AND totp_secret IS NOT NULL").With("$a", accountId).ExecuteNonQuery() == 0)
                return false;
            context.Command("DELETE FROM recovery_codes WHERE account_id = $a").With("$a", accountId).ExecuteNonQuery();
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return true;
        }, cancellationToken).ConfigureAwait(false);

    public async Task<bool> TryTakeTotpStepAsync(long accountId, long step, CancellationToken cancellationToken) =>
        await database.Writer.ExecuteAsync(context =>
            context.Command("UPDATE accounts SET totp_last_step = $st WHERE id = $a AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $st)")
                .With("$st", step).With("$a", accountId).ExecuteNonQuery() == 1, WriteKind.ChangesOrRemoves, cancellationToken).ConfigureAwait(false);

    public async Task<bool> TryUseRecoveryCodeAsync(long accountId, string codeHash, DateTimeOffset at, CancellationToken cancellationToken) =>
        await database.Writer.ExecuteAsync(context =>
            context.Command("UPDATE recovery_codes SET used_at = $t WHERE account_id = $a AND code_hash = $h AND used_at IS NULL")
                .With("$t", at.ToUnixMs()).With("$a", accountId).With("$h", codeHash).ExecuteNonQuery() == 1, WriteKind.ChangesOrRemoves, cancellationToken).ConfigureAwait(false);

    public async Task<int> CountUnusedRecoveryCodesAsync(long accountId, CancellationToken cancellationToken) =>
        (int)(await database.QueryAsync("SELECT count(*) FROM recovery_codes WHERE account_id = $a AND used_at IS NULL", r => r.GetInt64(0), cancellationToken, ("$a", accountId)).ConfigureAwait(false))[0];
}
