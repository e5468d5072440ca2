using Webmail.Core.Accounts;

namespace Webmail.Core.Storage;

/// <summary>The admin API's tokens (<see cref="ApiTokenService"/> decides; the store keeps them).</summary>
public interface IApiTokenStore
{
    /// <summary>Every token, with its owner's address, oldest first.</summary>
    Task<IReadOnlyList<ApiToken>> ListApiTokensAsync(CancellationToken cancellationToken);

    /// <summary>Adds one unless the account already has <paramref name="limit"/>; returns null then.</summary>
    Task<ApiToken?> AddApiTokenAsync(long accountId, string name, string secretHash, ApiTokenScope scope, int limit, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>Removes token <paramref name="id"/>; false when there is none by that id.</summary>
    Task<bool> RemoveApiTokenAsync(long id, AuditRecord audit, CancellationToken cancellationToken);

    /// <summary>
    /// The token whose secret hashes to <paramref name="secretHash"/>, only while its owner is an enabled
    /// admin (so disabling an admin, or taking the role away, stops their tokens at once).
    /// </summary>
    Task<ApiToken?> FindApiTokenAsync(string secretHash, CancellationToken cancellationToken);

    Task RecordApiTokenUseAsync(long id, DateTimeOffset at, string? remoteIp, CancellationToken cancellationToken);
}
