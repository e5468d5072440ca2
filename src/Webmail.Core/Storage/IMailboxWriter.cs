using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// Mailbox changes: flags, moves, deletions and the account's own folders. Writes are committed
/// together by one writer (group commit) and are durable when the task completes.
/// Every call takes the owning account's id and matches it on the server side: another account's
/// id behaves exactly like one that does not exist. Safe for many concurrent callers. A call the
/// store cannot serve (I/O error, disk full, corrupt file) throws <see cref="StoreUnavailableException"/>:
/// a temporary failure.
/// </summary>
public interface IMailboxWriter
{
    /// <exception cref="StoreException">The name is empty, taken at that level, or the parent is not the account's.</exception>
    Task<Folder> CreateFolderAsync(long accountId, string name, long? parentId, CancellationToken cancellationToken);

    /// <exception cref="StoreException">Standard folders cannot be renamed; the name is taken.</exception>
    Task RenameFolderAsync(long accountId, long folderId, string name, CancellationToken cancellationToken);

    /// <summary>Deletes a user folder, its subfolders and their messages.</summary>
    /// <exception cref="StoreException">Standard folders cannot be deleted.</exception>
    Task DeleteFolderAsync(long accountId, long folderId, CancellationToken cancellationToken);

    /// <summary>Adds (<paramref name="set"/> true) or removes the flags on the given messages.</summary>
    Task<int> SetFlagsAsync(long accountId, IReadOnlyCollection<long> messageIds, MessageFlags flags, bool set, CancellationToken cancellationToken);

    /// <summary>
    /// Moves messages to another of the account's folders (a user's move in the web UI); each gets the
    /// target's next UID. A move into Junk adds <c>$Junk</c> and removes <c>$NotJunk</c>, a move out of
    /// Junk (other than to Trash) adds <c>$NotJunk</c> and removes <c>$Junk</c>, in the same transaction
    /// (<see cref="WellKnownKeywords.ForMove"/>), so a client's spam filter can learn from the user.
    /// </summary>
    Task<IReadOnlyList<StoredMessage>> MoveAsync(long accountId, IReadOnlyCollection<long> messageIds, long targetFolderId, CancellationToken cancellationToken);

    /// <summary>Permanently removes the given messages.</summary>
    Task<int> DeleteAsync(long accountId, IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken);

    /// <summary>Permanently removes the folder's messages flagged \Deleted (IMAP EXPUNGE).</summary>
    Task<int> ExpungeAsync(long accountId, long folderId, CancellationToken cancellationToken);

    /// <summary>Permanently removes every message in the folder (Empty Trash / Junk).</summary>
    Task<int> EmptyFolderAsync(long accountId, long folderId, CancellationToken cancellationToken);
}
