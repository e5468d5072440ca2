using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// Mailbox browsing: an account's folders, message lists, search, conversations and the stored
/// messages themselves (web UI, raw-message endpoints).
/// Every call takes the owning account's id and matches it on the server side: another account's
/// id behaves exactly like one that does not exist. Safe for many concurrent callers. A call the
/// store cannot serve (I/O error, disk full, corrupt file) throws <see cref="StoreUnavailableException"/>:
/// a temporary failure.
/// </summary>
public interface IMailboxReader
{
    Task<IReadOnlyList<Folder>> GetFoldersAsync(long accountId, CancellationToken cancellationToken);

    /// <returns>The folder, or <c>null</c> when it does not exist or belongs to another account.</returns>
    Task<Folder?> GetFolderAsync(long accountId, long folderId, CancellationToken cancellationToken);

    Task<Folder> GetSpecialFolderAsync(long accountId, SpecialFolder folder, CancellationToken cancellationToken);

    Task<Page<MessageSummary>> ListAsync(long accountId, long folderId, int pageIndex, int pageSize, MessageSort sort, CancellationToken cancellationToken);

    /// <summary>Full-text and field search over one folder or (when the query has no folder) all of them, newest first.</summary>
    Task<Page<MessageSummary>> SearchAsync(long accountId, SearchQuery query, int pageIndex, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Where the query's words occur in each message's subject and text, for showing search results:
    /// the same tokenizer as the index (so a word highlights exactly when it matched), a prefix word
    /// highlights the words it starts. The snippet is cut from the preview when the preview holds one of
    /// the words, else from the indexed body text around the match (a free word found deep in the body;
    /// the first <c>1 MiB</c> of the stored message is read for it), else it is empty (the list shows the
    /// preview). Messages with nothing to highlight are left out.
    /// </summary>
    Task<IReadOnlyDictionary<long, SearchMarks>> HighlightAsync(SearchQuery query, IReadOnlyList<MessageSummary> messages, CancellationToken cancellationToken);

    /// <summary>
    /// The folder's messages grouped by conversation (thread key), one row per thread, the thread
    /// with the newest message first; the total counts threads.
    /// </summary>
    Task<Page<ConversationSummary>> ListConversationsAsync(long accountId, long folderId, int pageIndex, int pageSize, CancellationToken cancellationToken);

    /// <summary>The messages of one conversation in every folder of the account, oldest first.</summary>
    Task<IReadOnlyList<MessageSummary>> GetThreadAsync(long accountId, string threadKey, CancellationToken cancellationToken);

    Task<MessageSummary?> GetSummaryAsync(long accountId, long messageId, CancellationToken cancellationToken);

    /// <summary>The stored RFC 5322 bytes, exactly as they arrived.</summary>
    Task<byte[]?> GetRawAsync(long accountId, long messageId, CancellationToken cancellationToken);

    /// <summary>The stored bytes as a stream (large messages are streamed, not loaded whole); dispose the stream.</summary>
    Task<Stream?> OpenRawAsync(long accountId, long messageId, CancellationToken cancellationToken);
}
