using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// What the IMAP server needs from the store beyond <see cref="IMailboxReader"/>: messages by UID,
/// changes since a modification sequence, and the IMAP forms of flag changes, copies, moves and
/// expunges, each one transaction that answers with the UIDs it touched.
/// </summary>
public interface IImapStore
{
    /// <summary>The UIDs of a folder in ascending order, with its state at the same instant.</summary>
    Task<FolderSnapshot?> SnapshotAsync(long accountId, long folderId, CancellationToken cancellationToken);

    /// <summary>How many messages of a folder carry \Deleted (STATUS DELETED, RFC 9051 §6.3.11).</summary>
    Task<long> CountDeletedAsync(long accountId, long folderId, CancellationToken cancellationToken);

    /// <summary>
    /// What changed in a folder after <paramref name="sinceModseq"/>: messages added or whose flags
    /// changed (with their current flags), and UIDs that left it. Answered from the store
    /// (modification sequences and the expunge log), so any door's change is seen.
    /// </summary>
    Task<FolderChanges?> ChangesSinceAsync(long accountId, long folderId, long sinceModseq, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps at most <paramref name="keepPerFolder"/> rows of each folder's expunge log, the newest, and
    /// raises the folder's <see cref="Folder.ExpungeFloor"/> past those removed; returns how many were removed.
    /// </summary>
    Task<int> CompactExpungeLogAsync(int keepPerFolder, CancellationToken cancellationToken);

    /// <summary>
    /// The messages of a folder with these UIDs (those that exist), in UID order: always their id,
    /// UID, flags, keywords and modseq, and the <paramref name="parts"/> asked for (every column
    /// costs on every row of a 100,000-message FETCH; one not asked for keeps its default).
    /// </summary>
    Task<IReadOnlyList<ImapMessage>> GetMessagesAsync(long accountId, long folderId, IReadOnlyList<long> uids, ImapMessageParts parts, CancellationToken cancellationToken);

    /// <summary>
    /// The UIDs of a folder's messages that may contain <paramref name="value"/> in their body
    /// (<see cref="SearchTextField.Body"/>) or header fields and body (<see cref="SearchTextField.Text"/>):
    /// every message that does is among them, and those the index proves do are also in
    /// <see cref="TextCandidates.Proven"/> (the caller checks the others); null when the full-text
    /// index cannot narrow the search.
    /// </summary>
    Task<TextCandidates?> TextCandidatesAsync(long accountId, long folderId, SearchTextField field, string value, CancellationToken cancellationToken);

    /// <summary>A reader of the account's raw messages on one held connection, for a FETCH over many messages.</summary>
    IRawMessageReader OpenRawReader(long accountId);

    /// <summary>Stores the IMAP views of a message stored before they were computed at delivery.</summary>
    Task SaveStructureAsync(long accountId, long messageId, MessageStructure structure, CancellationToken cancellationToken);

    /// <summary>
    /// Changes flags and keywords of the messages with these UIDs (RFC 9051 §6.4.6). With
    /// <paramref name="unchangedSince"/> (RFC 7162 §3.1.3), a message changed after it is left alone
    /// and reported in <see cref="FlagChangeResult.Modified"/>.
    /// </summary>
    Task<FlagChangeResult> StoreFlagsAsync(long accountId, long folderId, IReadOnlyList<long> uids, FlagChange change, long? unchangedSince, CancellationToken cancellationToken);

    /// <summary>Copies messages into another folder with new UIDs (RFC 4315 COPYUID pairs); refuses past the quota with <see cref="QuotaExceededException"/>.</summary>
    Task<UidMapping> CopyAsync(long accountId, long folderId, IReadOnlyList<long> uids, long targetFolderId, CancellationToken cancellationToken);

    /// <summary>Moves messages into another folder with new UIDs (RFC 6851).</summary>
    Task<UidMapping> MoveAsync(long accountId, long folderId, IReadOnlyList<long> uids, long targetFolderId, CancellationToken cancellationToken);

    /// <summary>Removes the messages marked \Deleted (only those among <paramref name="uids"/> when given, RFC 4315 UID EXPUNGE); returns their UIDs.</summary>
    Task<IReadOnlyList<long>> ExpungeAsync(long accountId, long folderId, IReadOnlyList<long>? uids, CancellationToken cancellationToken);

    /// <summary>Stores a message in a folder (IMAP APPEND) with flags, keywords and an internal date; refuses past the quota.</summary>
    Task<StoredMessage> AppendAsync(long accountId, long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, IReadOnlyCollection<string> keywords, DateTimeOffset? internalDate, CancellationToken cancellationToken);

    /// <summary>Creates a folder and any missing parents of it (RFC 9051 §6.3.4); returns the last one.</summary>
    Task<Folder> CreateFolderPathAsync(long accountId, IReadOnlyList<string> path, CancellationToken cancellationToken);

    /// <summary>Renames a user folder and moves it under <paramref name="parentId"/> (null: top level); its messages and UIDVALIDITY stay.</summary>
    Task MoveFolderAsync(long accountId, long folderId, long? parentId, string name, CancellationToken cancellationToken);

    /// <summary>Subscribes or unsubscribes a folder (RFC 9051 §6.3.7).</summary>
    Task SetSubscribedAsync(long accountId, long folderId, bool subscribed, CancellationToken cancellationToken);
}

/// <summary>What a text search looks in (RFC 9051 §6.4.4 BODY and TEXT).</summary>
public enum SearchTextField
{
    Body,
    Text,
}

/// <summary>
/// A folder's UIDs and state at one instant: the UIDs as ascending runs of consecutive UIDs (a
/// mailbox's UIDs are mostly consecutive, so 100,000 messages are a few runs), and the keywords in use.
/// </summary>
public sealed record FolderSnapshot(Folder Folder, IReadOnlyList<(long First, int Length)> UidRuns, IReadOnlyList<string> Keywords);

/// <summary>Changes in a folder after a modification sequence: current state of changed messages, and UIDs gone.</summary>
/// <param name="PresentUids">
/// When the expunge log no longer reaches back to the modseq asked (<see cref="Folder.ExpungeFloor"/>):
/// the UIDs in the folder now, as runs, for the caller to find what left by comparison; otherwise null.
/// </param>
public sealed record FolderChanges(Folder Folder, IReadOnlyList<FlagState> Changed, IReadOnlyList<long> Expunged, IReadOnlyList<(long First, int Length)>? PresentUids = null);

/// <summary>A message's flags and keywords at a modification sequence.</summary>
public sealed record FlagState(long Uid, MessageFlags Flags, string Keywords, long Modseq);

/// <summary>
/// The answer of <see cref="IImapStore.TextCandidatesAsync"/>: the UIDs of the messages that may
/// match, ascending, and those of them the index proves do.
/// </summary>
public sealed record TextCandidates(IReadOnlyList<long> Uids, IReadOnlySet<long> Proven);

/// <summary>What <see cref="IImapStore.GetMessagesAsync"/> reads of a message beyond its id, UID, flags, keywords and modseq.</summary>
[Flags]
public enum ImapMessageParts
{
    None = 0,
    /// <summary>INTERNALDATE, RFC822.SIZE and the Date header field.</summary>
    Details = 1,
    /// <summary>From, To, Cc and Subject (SEARCH).</summary>
    Addresses = 2,
    Envelope = 4,
    BodyStructure = 8,
    Body = 16,
    /// <summary>The stored preview text (PREVIEW, RFC 8970).</summary>
    Preview = 32,
    /// <summary>The conversation key (THREADID, RFC 8474).</summary>
    Thread = 64,
}

/// <summary>
/// One message as IMAP reads it: the columns FETCH and SEARCH need (those of the
/// <see cref="ImapMessageParts"/> not read keep their defaults), and the stored IMAP views when
/// asked for (null when the message has none stored yet).
/// </summary>
public sealed record ImapMessage(
    long Id,
    long Uid,
    MessageFlags Flags,
    string Keywords,
    DateTimeOffset InternalDate,
    long Size,
    long Modseq,
    DateTimeOffset? SentDate,
    string From,
    string To,
    string Cc,
    string Subject,
    MessageStructure? Structure,
    string Preview = "",
    string ThreadKey = "");

/// <summary>ENVELOPE, BODYSTRUCTURE and BODY as IMAP text (RFC 9051 §7.5.2), computed once; a view not read is empty.</summary>
public sealed record MessageStructure(string Envelope, string BodyStructure, string Body);

/// <summary>How STORE changes flags: add, remove or replace (RFC 9051 §6.4.6 +FLAGS, -FLAGS, FLAGS).</summary>
public enum FlagChangeMode
{
    Add,
    Remove,
    Replace,
}

/// <summary>A STORE's flags and keywords and how they apply.</summary>
public sealed record FlagChange(FlagChangeMode Mode, MessageFlags Flags, IReadOnlyCollection<string> Keywords)
{
    /// <summary>A message's flags and keywords after this change (STORE's FLAGS, +FLAGS or -FLAGS).</summary>
    public (MessageFlags Flags, string Keywords) ApplyTo(MessageFlags flags, string keywords) => (Mode switch
    {
        FlagChangeMode.Add => flags | Flags,
        FlagChangeMode.Remove => flags & ~Flags,
        _ => Flags,
    }, Model.Keywords.Apply(keywords, Mode, Keywords));
}

/// <summary>The messages a STORE changed (their new state) and those it left alone because of UNCHANGEDSINCE.</summary>
public sealed record FlagChangeResult(IReadOnlyList<FlagState> Changed, IReadOnlyList<long> Modified);

/// <summary>Source and destination UIDs of a COPY or MOVE, pairwise, in source UID order (RFC 4315 §3 COPYUID).</summary>
public sealed record UidMapping(long TargetUidValidity, IReadOnlyList<long> SourceUids, IReadOnlyList<long> TargetUids);
