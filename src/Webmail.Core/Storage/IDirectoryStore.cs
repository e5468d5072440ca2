using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// Domains, accounts and aliases as stored. Validation and password hashing live in
/// <see cref="Accounts.DirectoryService"/>; call that from user-facing code (CLI, admin UI).
/// Every change an operator makes takes its <see cref="AuditRecord"/> and commits it in the same
/// transaction: the change and its audit row are both durable when the task completes, or neither is.
/// </summary>
public interface IDirectoryStore
{
    Task<IReadOnlyList<MailDomain>> ListDomainsAsync(CancellationToken cancellationToken);
    Task<MailDomain?> FindDomainAsync(string name, CancellationToken cancellationToken);
    /// <exception cref="StoreException">The domain exists.</exception>
    Task<MailDomain> AddDomainAsync(string name, AuditRecord audit, CancellationToken cancellationToken);
    /// <exception cref="StoreException">Accounts or aliases remain in the domain.</exception>
    Task RemoveDomainAsync(string name, AuditRecord audit, CancellationToken cancellationToken);
    Task SetCatchAllAsync(string domain, string? targetAddress, AuditRecord audit, CancellationToken cancellationToken);
    /// <exception cref="StoreException">The domain does not exist.</exception>
    Task SetDkimKeyAsync(string domain, string selector, string privateKeyPem, AuditRecord audit, CancellationToken cancellationToken);
    /// <returns>(selector, private key PEM) or <c>null</c> when the domain has no key.</returns>
    Task<(string Selector, string PrivateKeyPem)?> GetDkimKeyAsync(string domain, CancellationToken cancellationToken);

    Task<long> CountAccountsAsync(CancellationToken cancellationToken);
    Task<Account?> GetAccountAsync(long accountId, CancellationToken cancellationToken);
    Task<Account?> FindAccountAsync(string address, CancellationToken cancellationToken);
    Task<Page<Account>> ListAccountsAsync(string? search, int pageIndex, int pageSize, CancellationToken cancellationToken);
    /// <summary>Creates the account and its standard folders in one transaction.</summary>
    /// <exception cref="StoreException">The address is taken (by an account or an alias) or its domain is not local.</exception>
    Task<Account> CreateAccountAsync(string address, string displayName, string passwordHash, bool isAdmin, long quotaBytes, AuditRecord audit, CancellationToken cancellationToken);
    Task UpdateAccountAsync(long accountId, string displayName, bool isAdmin, long quotaBytes, Pop3DeletePolicy pop3DeletePolicy, AuditRecord audit, CancellationToken cancellationToken);
    /// <summary>What the account's owner may change about it: display name and POP3 delete policy.</summary>
    Task SetProfileAsync(long accountId, string displayName, Pop3DeletePolicy pop3DeletePolicy, CancellationToken cancellationToken);
    Task SetPasswordHashAsync(long accountId, string passwordHash, AuditRecord audit, CancellationToken cancellationToken);
    /// <summary>
    /// The same password under a stronger hash, after a sign-in verified it (<see cref="Security.PasswordHasher.NeedsRehash"/>):
    /// stored only while the account's hash is still <paramref name="currentHash"/> (a password changed meanwhile stays),
    /// with no new security stamp (every session stays signed in) and no audit entry (the password did not change).
    /// </summary>
    Task UpgradePasswordHashAsync(long accountId, string currentHash, string upgradedHash, CancellationToken cancellationToken);
    Task SetDisabledAsync(long accountId, bool disabled, AuditRecord audit, CancellationToken cancellationToken);
    /// <summary>Removes the account with all its folders and mail.</summary>
    Task RemoveAccountAsync(long accountId, AuditRecord audit, CancellationToken cancellationToken);
    /// <returns>(account id, password hash, disabled, two factors on: an authenticator app or a passkey) or <c>null</c> for an unknown address.</returns>
    Task<(long AccountId, string PasswordHash, bool Disabled, bool TwoFactor)?> GetCredentialsAsync(string address, CancellationToken cancellationToken);
    /// <summary>A successful sign-in: the account's last login and the sign-in's audit row, in one commit.</summary>
    Task RecordLoginAsync(long accountId, DateTimeOffset at, AuditRecord audit, CancellationToken cancellationToken);
    Task<AccountSettings> GetSettingsAsync(long accountId, CancellationToken cancellationToken);
    Task SaveSettingsAsync(long accountId, AccountSettings settings, CancellationToken cancellationToken);

    Task<IReadOnlyList<Alias>> ListAliasesAsync(CancellationToken cancellationToken);
    /// <summary>Creates or replaces an alias.</summary>
    /// <exception cref="StoreException">The address is an account, a target is not a local account, or the domain is not local.</exception>
    Task<Alias> SetAliasAsync(string address, IReadOnlyList<string> targetAddresses, AuditRecord audit, CancellationToken cancellationToken);
    Task RemoveAliasAsync(string address, AuditRecord audit, CancellationToken cancellationToken);
    /// <summary>Addresses (the account's own and its aliases') that the account may send as.</summary>
    Task<IReadOnlyList<string>> GetSendAsAddressesAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>Who receives mail for <paramref name="address"/>: an account, an alias's targets, or the domain's catch-all.</summary>
    Task<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken);
}

/// <summary>How a recipient address resolves on this server.</summary>
/// <param name="ForwardTo">For <see cref="RecipientKind.ReturnPath"/>: the original sender the mail goes on to.</param>
public sealed record RecipientResolution(RecipientKind Kind, IReadOnlyList<Account> Accounts, string? ForwardTo = null)
{
    public static readonly RecipientResolution Remote = new(RecipientKind.RemoteDomain, []);
    public static readonly RecipientResolution Unknown = new(RecipientKind.UnknownUser, []);
}

public enum RecipientKind
{
    /// <summary>The domain is not one of ours.</summary>
    RemoteDomain,
    /// <summary>Our domain, but no such account, alias or catch-all.</summary>
    UnknownUser,
    /// <summary>Delivered to <see cref="RecipientResolution.Accounts"/>.</summary>
    Local,
    /// <summary>
    /// An SRS address of ours whose signature and age check out (a bounce of, or reply to, mail a Sieve redirect
    /// forwarded): relayed to <see cref="RecipientResolution.ForwardTo"/>, the original sender.
    /// </summary>
    ReturnPath,
}
