using Npgsql;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The <see cref="IPasskeyStore"/> half of the directory: table <c>passkeys</c>.</summary>
public sealed partial class PostgresDirectoryStore
{
    private const string PasskeyColumns = "id, account_id, name, created_at, last_used_at";

    private static Passkey ReadPasskey(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), PostgresRows.FromUnixMs(r.GetInt64(3)), PostgresRows.FromUnixMsOrNull(r, 4));

    public async Task<IReadOnlyList<Passkey>> ListPasskeysAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {PasskeyColumns} FROM passkeys WHERE account_id = @a ORDER BY created_at, id", ReadPasskey, cancellationToken, ("a", accountId)).ConfigureAwait(false);

    public async Task<IReadOnlyList<byte[]>> ListPasskeyCredentialIdsAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT credential_id FROM passkeys WHERE account_id = @a ORDER BY id", r => r.GetFieldValue<byte[]>(0), cancellationToken, ("a", accountId)).ConfigureAwait(false);

    public async Task<byte[]?> GetPasskeyUserHandleAsync(long accountId, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT user_handle FROM passkeys WHERE account_id = @a ORDER BY id LIMIT 1", r => r.GetFieldValue<byte[]>(0), cancellationToken, ("a", accountId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<PasskeyCredential?> FindPasskeyAsync(byte[] credentialId, CancellationToken cancellationToken) =>
        (await database.QueryAsync(
            "SELECT k.id, k.account_id, a.address, a.is_disabled, k.name, k.credential_id, k.public_key, k.sign_count, k.user_handle " +
            "FROM passkeys k JOIN accounts a ON a.id = k.account_id WHERE k.credential_id = @c",
            r => new PasskeyCredential(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetBoolean(3), r.GetString(4),
                r.GetFieldValue<byte[]>(5), r.GetFieldValue<byte[]>(6), (uint)r.GetInt64(7), r.GetFieldValue<byte[]>(8)),
            cancellationToken, ("c", credentialId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<Passkey?> AddPasskeyAsync(long accountId, NewPasskey passkey, int limit, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            if (await unit.Sql("SELECT count(*) FROM passkeys WHERE account_id = @a").With("a", accountId).LongAsync().ConfigureAwait(false) >= limit)
                return (long?)null;
            if (await unit.Sql("SELECT 1 FROM passkeys WHERE credential_id = @c").With("c", passkey.CredentialId).ScalarAsync().ConfigureAwait(false) is not null)
                throw new StoreException("This passkey is already registered.");
            var now = time.GetUtcNow();
            var id = await unit.Sql("INSERT INTO passkeys (account_id, credential_id, public_key, sign_count, user_handle, name, created_at) VALUES (@a, @c, @k, @n, @u, @name, @t) RETURNING id")
                .With("a", accountId).With("c", passkey.CredentialId).With("k", passkey.PublicKey).With("n", (long)passkey.SignCount)
                .With("u", passkey.UserHandle).With("name", passkey.Name).With("t", now.ToUnixTimeMilliseconds()).LongAsync().ConfigureAwait(false);
            await PostgresAuditLog.InsertAsync(unit, audit, now).ConfigureAwait(false);
            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {PasskeyColumns} FROM passkeys WHERE id = @id", ReadPasskey, cancellationToken, ("id", id.Value)).ConfigureAwait(false)).Single();
    }

    /// <summary>Compare-and-set on the sign count in one UPDATE: of two sign-ins with the same assertion, one wins.</summary>
    public Task<bool> RecordPasskeyUseAsync(long id, uint expectedCount, uint newCount, DateTimeOffset at, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
            await unit.Sql("UPDATE passkeys SET sign_count = @n, last_used_at = @t WHERE id = @id AND sign_count = @old")
                .With("n", (long)newCount).With("t", at.ToUnixTimeMilliseconds()).With("id", id).With("old", (long)expectedCount).ExecuteAsync().ConfigureAwait(false) == 1,
            cancellationToken);

    public Task<bool> RenamePasskeyAsync(long accountId, long id, string name, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            if (await unit.Sql("UPDATE passkeys SET name = @n WHERE id = @id AND account_id = @a").With("n", name).With("id", id).With("a", accountId).ExecuteAsync().ConfigureAwait(false) == 0)
                return false;
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<bool> RemovePasskeyAsync(long accountId, long id, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            if (await unit.Sql("DELETE FROM passkeys WHERE id = @id AND account_id = @a").With("id", id).With("a", accountId).ExecuteAsync().ConfigureAwait(false) == 0)
                return false;
            await PostgresAuditLog.InsertAsync(unit, audit, time.GetUtcNow()).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<int> RemoveAllPasskeysAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            var removed = await unit.Sql("DELETE FROM passkeys WHERE account_id = @a").With("a", accountId).ExecuteAsync().ConfigureAwait(false);
            if (removed > 0)
                await PostgresAuditLog.InsertAsync(unit, audit with { Detail = $"{removed} passkey(s) removed" }, time.GetUtcNow()).ConfigureAwait(false);
            return removed;
        }, cancellationToken);
}
