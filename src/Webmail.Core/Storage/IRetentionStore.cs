namespace Webmail.Core.Storage;

/// <summary>
/// What the retention job reads: the age of messages in their folder and the candidates it acts on. The
/// changes themselves go through <see cref="IMailboxWriter"/> (delete, move), the path every door uses.
/// </summary>
public interface IRetentionStore
{
    /// <summary>
    /// Marks up to <paramref name="limit"/> messages of the folder not yet seen by the job as there since
    /// <paramref name="now"/> (a move clears the mark); returns how many were marked.
    /// </summary>
    Task<int> MarkRetentionStartAsync(long accountId, long folderId, DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> ids of the folder's messages marked before <paramref name="before"/>.</summary>
    Task<IReadOnlyList<long>> ExpiredInFolderAsync(long accountId, long folderId, DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> ids of the folder's read (\Seen), unflagged messages that arrived before <paramref name="before"/>.</summary>
    Task<IReadOnlyList<long>> ReadBeforeAsync(long accountId, long folderId, DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>The ids of every account, ascending.</summary>
    Task<IReadOnlyList<long>> AccountIdsAsync(CancellationToken cancellationToken);
}
