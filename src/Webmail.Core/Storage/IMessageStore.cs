using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// Folders and messages of every account. Every call that reads or changes a message or folder
/// takes the owning account's id and matches it on the server side: another account's id
/// behaves exactly like one that does not exist. Safe for many concurrent callers; writes are
/// committed together by one writer (group commit) and are durable when the task completes.
/// A read or write the store cannot serve (I/O error, disk full, corrupt file) throws
/// <see cref="StoreUnavailableException"/>: a temporary failure.
/// </summary>
public interface IMessageStore
{
    Task<IReadOnlyList<Folder>> GetFoldersAsync(long accountId, CancellationToken cancellationToken);

    /// <returns>The folder, or <c>null</c> when it does not exist or belongs to another account.</returns>
    Task<Folder?> GetFolderAsync(long accountId, long folderId, CancellationToken cancellationToken);

    Task<Folder> GetSpecialFolderAsync(long accountId, SpecialFolder folder, CancellationToken cancellationToken);

    /// <exception cref="StoreException">The name is empty, taken at that level, or the parent is not the account's.</exception>
    Task<Folder> CreateFolderAsync(long accountId, string name, long? parentId, CancellationToken cancellationToken);

    /// <exception cref="StoreException">Standard folders cannot be renamed; the name is taken.</exception>
    Task RenameFolderAsync(long accountId, long folderId, string name, CancellationToken cancellationToken);

    /// <summary>Deletes a user folder, its subfolders and their messages.</summary>
    /// <exception cref="StoreException">Standard folders cannot be deleted.</exception>
    Task DeleteFolderAsync(long accountId, long folderId, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="raw"/> as a new message in the folder with the next UID.</summary>
    /// <exception cref="QuotaExceededException">The account's quota would be passed (only when <paramref name="enforceQuota"/>).</exception>
    Task<StoredMessage> AppendAsync(long accountId, long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset? internalDate = null, bool enforceQuota = true, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits one message to several mailboxes and the outbound queue in one transaction: when
    /// the task completes every accepted copy is on disk. Mailboxes whose quota would be passed
    /// are reported, not stored.
    /// </summary>
    Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);

    Task<Page<MessageSummary>> ListAsync(long accountId, long folderId, int pageIndex, int pageSize, MessageSort sort, CancellationToken cancellationToken);

    /// <summary>Full-text and field search over one folder or (when the query has no folder) all of them, newest first.</summary>
    Task<Page<MessageSummary>> SearchAsync(long accountId, SearchQuery query, int pageIndex, int pageSize, CancellationToken cancellationToken);

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

    /// <summary>A reader of the account's stored messages that keeps one connection open until disposed.</summary>
    IRawMessageReader OpenRawReader(long accountId);

    /// <summary>Adds (<paramref name="set"/> true) or removes the flags on the given messages.</summary>
    Task<int> SetFlagsAsync(long accountId, IReadOnlyCollection<long> messageIds, MessageFlags flags, bool set, CancellationToken cancellationToken);

    /// <summary>Moves messages to another of the account's folders; each gets the target's next UID.</summary>
    Task<IReadOnlyList<StoredMessage>> MoveAsync(long accountId, IReadOnlyCollection<long> messageIds, long targetFolderId, CancellationToken cancellationToken);

    /// <summary>Permanently removes the given messages.</summary>
    Task<int> DeleteAsync(long accountId, IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken);

    /// <summary>Permanently removes the folder's messages flagged \Deleted (IMAP EXPUNGE).</summary>
    Task<int> ExpungeAsync(long accountId, long folderId, CancellationToken cancellationToken);

    /// <summary>Permanently removes every message in the folder (Empty Trash / Junk).</summary>
    Task<int> EmptyFolderAsync(long accountId, long folderId, CancellationToken cancellationToken);

    /// <summary>POP3: the INBOX as it is now, oldest first (RFC 1939 message numbers follow this order).</summary>
    Task<IReadOnlyList<MaildropEntry>> GetMaildropAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>
    /// POP3 UPDATE state (RFC 1939 §6) as one transaction: marks retrieved messages \Seen and applies
    /// the account's delete policy to the deleted ones.
    /// </summary>
    Task CommitPop3UpdateAsync(long accountId, IReadOnlyCollection<long> deletedIds, IReadOnlyCollection<long> retrievedIds, Pop3DeletePolicy policy, CancellationToken cancellationToken);

    /// <summary>Addresses the account has exchanged mail with, most frequent first (compose autocomplete).</summary>
    Task<IReadOnlyList<string>> SuggestAddressesAsync(long accountId, string prefix, int limit, CancellationToken cancellationToken);
}

/// <summary>One message to file into several mailboxes and/or queue for remote recipients.</summary>
/// <param name="Raw">The RFC 5322 bytes as they will be stored.</param>
/// <param name="Mailboxes">Local copies to file.</param>
/// <param name="Outbound">Remote recipients to queue, or <c>null</c>.</param>
public sealed record DeliveryRequest(ReadOnlyMemory<byte> Raw, IReadOnlyList<MailboxDelivery> Mailboxes, OutboundEnvelope? Outbound = null);

/// <summary>A copy for one account's folder.</summary>
public sealed record MailboxDelivery(long AccountId, SpecialFolder Folder, MessageFlags Flags = MessageFlags.None, bool EnforceQuota = true);

/// <summary>The envelope of a message bound for remote domains; one queue entry is made per domain.</summary>
public sealed record OutboundEnvelope(string MailFrom, IReadOnlyList<string> Recipients, long? SenderAccountId);

/// <summary>What <see cref="IMessageStore.DeliverAsync"/> committed.</summary>
public sealed record DeliveryReceipt(IReadOnlyList<MailboxResult> Mailboxes, IReadOnlyList<long> QueueEntryIds);

/// <summary>The outcome for one mailbox: the stored copy, or a quota refusal.</summary>
public sealed record MailboxResult(long AccountId, StoredMessage? Message, bool QuotaExceeded);
