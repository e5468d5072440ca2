using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// Compose support: drafts (and other copies compose files itself) and address suggestions.
/// Every call takes the owning account's id and matches it on the server side: another account's
/// id behaves exactly like one that does not exist. Safe for many concurrent callers. A call the
/// store cannot serve (I/O error, disk full, corrupt file) throws <see cref="StoreUnavailableException"/>:
/// a temporary failure.
/// </summary>
public interface IComposeStore
{
    /// <summary>Stores <paramref name="raw"/> as a new message in the folder with the next UID.</summary>
    /// <exception cref="QuotaExceededException">The account's quota would be passed (only when <paramref name="enforceQuota"/>).</exception>
    Task<StoredMessage> AppendAsync(long accountId, long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset? internalDate = null, bool enforceQuota = true, CancellationToken cancellationToken = default);

    /// <summary>Addresses the account has exchanged mail with, most frequent first (compose autocomplete).</summary>
    Task<IReadOnlyList<string>> SuggestAddressesAsync(long accountId, string prefix, int limit, CancellationToken cancellationToken);
}
