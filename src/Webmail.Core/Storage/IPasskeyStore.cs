using Webmail.Core.Accounts;

namespace Webmail.Core.Storage;

/// <summary>The accounts' passkeys (<see cref="PasskeyService"/> decides; the store keeps them).</summary>
public interface IPasskeyStore
{
    /// <summary>The account's passkeys, oldest first.</summary>
    Task<IReadOnlyList<Passkey>> ListPasskeysAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>The credential ids of the account's passkeys (what a second-factor assertion may use).</summary>
    Task<IReadOnlyList<byte[]>> ListPasskeyCredentialIdsAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>The WebAuthn user handle the account's passkeys were registered with, or null when it has none.</summary>
    Task<byte[]?> GetPasskeyUserHandleAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>The passkey with this credential id, whichever account it belongs to, or null.</summary>
    Task<PasskeyCredential?> FindPasskeyAsync(byte[] credentialId, CancellationToken cancellationToken);

    /// <summary>Adds a passkey unless the account already has <paramref name="limit"/> (null then).</summary>
    /// <exception cref="StoreException">A passkey with this credential id is already registered.</exception>
    Task<Passkey?> AddPasskeyAsync(long accountId, NewPasskey passkey, int limit, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>
    /// Records a sign-in with passkey <paramref name="id"/>: its counter moves from <paramref name="expectedCount"/>
    /// to <paramref name="newCount"/>. False when the stored counter is no longer <paramref name="expectedCount"/>
    /// (another sign-in with the same counter value got there first: a cloned key or a replay).
    /// </summary>
    Task<bool> RecordPasskeyUseAsync(long id, uint expectedCount, uint newCount, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>False when the account has no passkey <paramref name="id"/>.</summary>
    Task<bool> RenamePasskeyAsync(long accountId, long id, string name, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>False when the account has no passkey <paramref name="id"/>.</summary>
    Task<bool> RemovePasskeyAsync(long accountId, long id, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Removes every passkey of the account (an admin's reset); the count removed. Audited only when there were some.</summary>
    Task<int> RemoveAllPasskeysAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken);
}
