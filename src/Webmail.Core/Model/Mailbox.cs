namespace Webmail.Core.Model;

/// <summary>
/// A folder with its IMAP identity (UIDVALIDITY, UIDNEXT, the highest modification sequence of
/// RFC 7162), its counters and whether it is subscribed (IMAP SUBSCRIBE).
/// </summary>
/// <param name="ExpungeFloor">The highest modification sequence whose expunges may have left the expunge log (compacted); 0 while it is complete.</param>
public sealed record Folder(
    long Id,
    long AccountId,
    long? ParentId,
    string Name,
    SpecialFolder SpecialUse,
    long UidValidity,
    long UidNext,
    long MessageCount,
    long UnreadCount,
    long TotalBytes,
    long HighestModseq = 1,
    bool Subscribed = true,
    long ExpungeFloor = 0);

/// <summary>One row of a message list: what the list views need, without the raw bytes.</summary>
/// <param name="Keywords">The message's IMAP keywords as stored (<see cref="Model.Keywords"/>: space-separated, each once); empty for none.</param>
public sealed record MessageSummary(
    long Id,
    long FolderId,
    long Uid,
    MessageFlags Flags,
    DateTimeOffset InternalDate,
    long Size,
    string FromAddress,
    string FromName,
    string To,
    string Cc,
    string Subject,
    DateTimeOffset? Date,
    string MessageId,
    string Preview,
    bool HasAttachments,
    string ThreadKey,
    string Keywords = "")
{
    public bool IsSeen => Flags.HasFlag(MessageFlags.Seen);
    public bool IsFlagged => Flags.HasFlag(MessageFlags.Flagged);
    public bool IsAnswered => Flags.HasFlag(MessageFlags.Answered);

    /// <summary>The message carries <c>$Forwarded</c>.</summary>
    public bool IsForwarded => HasKeyword(WellKnownKeywords.Forwarded);

    /// <summary>The keywords, in the order they were first set.</summary>
    public IReadOnlyList<string> KeywordList => Model.Keywords.Parse(Keywords);

    /// <summary>True when the message carries <paramref name="keyword"/> (compared without case, RFC 9051 §2.3.2).</summary>
    public bool HasKeyword(string keyword) => KeywordList.Contains(keyword, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Sort orders offered by the list views.</summary>
public enum MessageSort
{
    DateDescending,
    DateAscending,
    FromAscending,
    FromDescending,
    SubjectAscending,
    SubjectDescending,
    SizeDescending,
    SizeAscending,
}

/// <summary>A page of results and the total they come from.</summary>
/// <param name="TotalIsLowerBound">True when counting stopped early: there are at least <paramref name="Total"/> results.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total, int PageIndex, int PageSize, bool TotalIsLowerBound = false);

/// <summary>A stored message's place: its id, folder and UID.</summary>
public sealed record StoredMessage(long Id, long AccountId, long FolderId, long Uid, long Size);

/// <summary>POP3's view of one INBOX message at login: id, exact size and a stable unique id.</summary>
public sealed record MaildropEntry(long Id, long Size, string UniqueId);

/// <summary>
/// One row of the conversation list: a thread's messages in one folder, shown by its latest
/// message, with counts over the thread's messages in that folder.
/// </summary>
/// <param name="Participants">Senders' display names (or addresses), each once, in order of first message.</param>
/// <param name="MessageIds">The thread's messages in the folder, oldest first.</param>
public sealed record ConversationSummary(
    MessageSummary Latest,
    int MessageCount,
    int UnreadCount,
    bool IsFlagged,
    bool HasAttachments,
    IReadOnlyList<string> Participants,
    IReadOnlyList<long> MessageIds)
{
    public string ThreadKey => Latest.ThreadKey;
    public bool IsUnread => UnreadCount > 0;
}
