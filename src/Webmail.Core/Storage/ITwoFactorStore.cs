namespace Webmail.Core.Storage;

/// <summary>The accounts' second factor (<see cref="Accounts.TwoFactorService"/> decides; the store keeps it).</summary>
public interface ITwoFactorStore
{
    /// <summary>The account's TOTP key (Base32), or null while two factors are off.</summary>
    Task<string?> GetTotpSecretAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>Turns two factors on with <paramref name="secret"/>, <paramref name="acceptedStep"/> already used, and these recovery code hashes (replacing any).</summary>
    Task EnableTwoFactorAsync(long accountId, string secret, long acceptedStep, IReadOnlyList<string> recoveryCodeHashes, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Turns two factors off and drops the recovery codes; false when they were off.</summary>
    Task<bool> DisableTwoFactorAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Takes time step <paramref name="step"/> if it is later than every step taken before (a code works once).</summary>
    Task<bool> TryTakeTotpStepAsync(long accountId, long step, CancellationToken cancellationToken);

    /// <summary>Marks the unused recovery code with this hash used; false when there is none.</summary>
    Task<bool> TryUseRecoveryCodeAsync(long accountId, string codeHash, DateTimeOffset at, CancellationToken cancellationToken);

    Task<int> CountUnusedRecoveryCodesAsync(long accountId, CancellationToken cancellationToken);
}
