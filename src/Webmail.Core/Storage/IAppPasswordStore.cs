using Webmail.Core.Accounts;

namespace Webmail.Core.Storage;

/// <summary>The accounts' app passwords (<see cref="AppPasswordService"/> decides; the store keeps them).</summary>
public interface IAppPasswordStore
{
    Task<IReadOnlyList<AppPassword>> ListAppPasswordsAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>Adds one unless the account already has <paramref name="limit"/>; returns null then.</summary>
    Task<AppPassword?> AddAppPasswordAsync(long accountId, string name, string secretHash, AppPasswordProtocols protocols, int limit, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Removes the account's app password <paramref name="id"/>; false when the account has none by that id.</summary>
    Task<bool> RemoveAppPasswordAsync(long accountId, long id, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>The app password whose secret hashes to <paramref name="secretHash"/>, with its account's address.</summary>
    Task<(AppPassword Password, string Address)?> FindAppPasswordAsync(string secretHash, CancellationToken cancellationToken);

    Task RecordAppPasswordUseAsync(long id, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken);
}
