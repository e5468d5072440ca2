using Webmail.Core.Accounts;

namespace Webmail.Core.Storage;

/// <summary>The accounts' allow and block lists of senders (<see cref="SenderListService"/> decides; the store keeps them).</summary>
public interface ISenderListStore
{
    /// <summary>Both lists of the account, oldest entries first.</summary>
    Task<IReadOnlyList<SenderListEntry>> ListSenderEntriesAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>Adds an entry, or moves the account's entry for the same pattern to <paramref name="kind"/>; null when the account already has <paramref name="limit"/> entries.</summary>
    Task<SenderListEntry?> PutSenderEntryAsync(long accountId, SenderListKind kind, string pattern, int limit, CancellationToken cancellationToken);

    /// <summary>Removes the account's entry <paramref name="id"/>; false when the account has none by that id.</summary>
    Task<bool> RemoveSenderEntryAsync(long accountId, long id, CancellationToken cancellationToken);
}
