using Microsoft.Data.Sqlite;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The <see cref="IPasskeyStore"/> half of the directory: table <c>passkeys</c> (migration 0015).</summary>
public sealed partial class SqliteDirectoryStore
{
    private const string PasskeyColumns = "id, account_id, name, created_at, last_used_at";

    private static Passkey ReadPasskey(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), SqlExtensions.FromUnixMs(r.GetInt64(3)), r.FromUnixMsOrNull(4));

    public async Task<IReadOnlyList<Passkey>> ListPasskeysAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {PasskeyColumns} FROM passkeys WHERE account_id = $a ORDER BY created_at, id", ReadPasskey, cancellationToken, ("$a", accountId)).ConfigureAwait(false);

    public async Task<IReadOnlyList<byte[]>> ListPasskeyCredentialIdsAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT credential_id FROM passkeys WHERE account_id = $a ORDER BY id", r => r.GetFieldValue<byte[]>(0), cancellationToken, ("$a", accountId)).ConfigureAwait(false);

    public async Task<byte[]?> GetPasskeyUserHandleAsync(long accountId, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT user_handle FROM passkeys WHERE account_id = $a ORDER BY id LIMIT 1", r => r.GetFieldValue<byte[]>(0), cancellationToken, ("$a", accountId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<PasskeyCredential?> FindPasskeyAsync(byte[] credentialId, CancellationToken cancellationToken) =>
        (await database.QueryAsync(
            "SELECT k.id, k.account_id, a.address, a.is_disabled, k.name, k.credential_id, k.public_key, k.sign_count, k.user_handle " +
            "FROM passkeys k JOIN accounts a ON a.id = k.account_id WHERE k.credential_id = $c",
            r => new PasskeyCredential(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3) != 0, r.GetString(4),
                r.GetFieldValue<byte[]>(5), r.GetFieldValue<byte[]>(6), (uint)r.GetInt64(7), r.GetFieldValue<byte[]>(8)),
            cancellationToken, ("$c", credentialId)).ConfigureAwait(false)).FirstOrDefault();

    public async Task<Passkey?> AddPasskeyAsync(long accountId, NewPasskey passkey, int limit, AuditRecord audit, CancellationToken cancellationToken)
    {
        var id = await database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("SELECT count(*) FROM passkeys WHERE account_id = $a").With("$a", accountId).ScalarLong() >= limit)
                return (long?)null;
            if (context.Command("SELECT 1 FROM passkeys WHERE credential_id = $c").With("$c", passkey.CredentialId).ExecuteScalar() is not null)
                throw new StoreException("This passkey is already registered.");
            var now = time.GetUtcNow();
            var id = context.Command("INSERT INTO passkeys (account_id, credential_id, public_key, sign_count, user_handle, name, created_at) VALUES ($a, $c, $k, $n, $u, $name, $t) RETURNING id")
                .With("$a", accountId).With("$c", passkey.CredentialId).With("$k", passkey.PublicKey).With("$n", (long)passkey.SignCount)
                .With("$u", passkey.UserHandle).With("$name", passkey.Name).With("$t", now.ToUnixMs()).ScalarLong();
            SqliteAuditLog.Insert(context, audit, now);
            return id;
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {PasskeyColumns} FROM passkeys WHERE id = $id", ReadPasskey, cancellationToken, ("$id", id.Value)).ConfigureAwait(false)).Single();
    }

    public Task<bool> RecordPasskeyUseAsync(long id, uint expectedCount, uint newCount, DateTimeOffset at, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("UPDATE passkeys SET sign_count = $n, last_used_at = $t WHERE id = $id AND sign_count = $old")
                .With("$n", (long)newCount).With("$t", at.ToUnixMs()).With("$id", id).With("$old", (long)expectedCount).ExecuteNonQuery() == 1,
            WriteKind.ChangesOrRemoves, cancellationToken);

    public Task<bool> RenamePasskeyAsync(long accountId, long id, string name, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("UPDATE passkeys SET name = $n WHERE id = $id AND account_id = $a").With("$n", name).With("$id", id).With("$a", accountId).ExecuteNonQuery() == 0)
                return false;
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return true;
        }, cancellationToken);

    public Task<bool> RemovePasskeyAsync(long accountId, long id, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("DELETE FROM passkeys WHERE id = $id AND account_id = $a").With("$id", id).With("$a", accountId).ExecuteNonQuery() == 0)
                return false;
            SqliteAuditLog.Insert(context, audit, time.GetUtcNow());
            return true;
        }, cancellationToken);

    public Task<int> RemoveAllPasskeysAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
        {
            var removed = context.Command("DELETE FROM passkeys WHERE account_id = $a").With("$a", accountId).ExecuteNonQuery();
            if (removed > 0)
                SqliteAuditLog.Insert(context, audit with { Detail = $"{removed} passkey(s) removed" }, time.GetUtcNow());
            return removed;
        }, cancellationToken);
}
