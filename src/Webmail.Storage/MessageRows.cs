using System.Data.Common;
using Webmail.Core.Model;

namespace Webmail.Storage;

/// <summary>
/// Column lists and readers shared by the queries that return folders and message summaries, on both store providers:
/// the PostgreSQL schema has the same columns (bigint where SQLite has INTEGER, boolean where SQLite keeps 0/1), and
/// the readers use only what both providers' readers answer alike (<c>GetInt64</c>, <c>GetBoolean</c>).
/// </summary>
internal static class MessageRows
{
    public const string SummaryColumns =
        "m.id, m.folder_id, m.uid, m.flags, m.internal_date, m.size, m.from_address, m.from_name, m.to_addresses, " +
        "m.cc_addresses, m.subject, m.sent_date, m.message_id, m.preview, m.has_attachments, m.thread_key, m.keywords";

    /// <summary>How many columns <see cref="SummaryColumns"/> selects; a query's own columns follow them.</summary>
    public const int SummaryColumnCount = 17;

    public static MessageSummary ReadSummary(DbDataReader r) => new(
        Id: r.GetInt64(0),
        FolderId: r.GetInt64(1),
        Uid: r.GetInt64(2),
        Flags: (MessageFlags)r.GetInt64(3),
        InternalDate: SqlExtensions.FromUnixMs(r.GetInt64(4)),
        Size: r.GetInt64(5),
        FromAddress: r.GetString(6),
        FromName: r.GetString(7),
        To: r.GetString(8),
        Cc: r.GetString(9),
        Subject: r.GetString(10),
        Date: r.IsDBNull(11) ? null : SqlExtensions.FromUnixMs(r.GetInt64(11)),
        MessageId: r.GetString(12),
        Preview: r.GetString(13),
        HasAttachments: r.GetBoolean(14),
        ThreadKey: r.GetString(15),
        Keywords: r.GetString(16));

    public const string FolderColumns =
        "id, account_id, parent_id, name, special_use, uid_validity, uid_next, message_count, unread_count, total_bytes, highest_modseq, subscribed, expunge_floor";

    public static Folder ReadFolder(DbDataReader r) => new(
        Id: r.GetInt64(0),
        AccountId: r.GetInt64(1),
        ParentId: r.IsDBNull(2) ? null : r.GetInt64(2),
        Name: r.GetString(3),
        SpecialUse: (SpecialFolder)r.GetInt64(4),
        UidValidity: r.GetInt64(5),
        UidNext: r.GetInt64(6),
        MessageCount: r.GetInt64(7),
        UnreadCount: r.GetInt64(8),
        TotalBytes: r.GetInt64(9),
        HighestModseq: r.GetInt64(10),
        Subscribed: r.GetBoolean(11),
        ExpungeFloor: r.GetInt64(12));

    /// <summary>The list orders in SQLite's SQL (PostgreSQL's: <c>PostgresRows.OrderBy</c>).</summary>
    public static string OrderBy(MessageSort sort) => sort switch
    {
        MessageSort.DateAscending => "m.internal_date ASC, m.id ASC",
        MessageSort.FromAscending => "lower(CASE WHEN m.from_name = '' THEN m.from_address ELSE m.from_name END) ASC, m.internal_date DESC",
        MessageSort.FromDescending => "lower(CASE WHEN m.from_name = '' THEN m.from_address ELSE m.from_name END) DESC, m.internal_date DESC",
        MessageSort.SubjectAscending => "m.subject COLLATE NOCASE ASC, m.internal_date DESC",
        MessageSort.SubjectDescending => "m.subject COLLATE NOCASE DESC, m.internal_date DESC",
        MessageSort.SizeDescending => "m.size DESC, m.internal_date DESC",
        MessageSort.SizeAscending => "m.size ASC, m.internal_date DESC",
        _ => "m.internal_date DESC, m.id DESC",
    };

    /// <summary>Standard folders created with every account, with their display names.</summary>
    public static readonly (SpecialFolder Use, string Name)[] StandardFolders =
    [
        (SpecialFolder.Inbox, "Inbox"),
        (SpecialFolder.Sent, "Sent"),
        (SpecialFolder.Drafts, "Drafts"),
        (SpecialFolder.Archive, "Archive"),
        (SpecialFolder.Junk, "Junk"),
        (SpecialFolder.Trash, "Trash"),
    ];
}
