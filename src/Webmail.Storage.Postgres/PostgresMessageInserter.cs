using System.Text;
using Npgsql;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The write steps every path that stores a message shares (UID allocation, threading, columns, raw bytes, search
/// document), and the lock order every message write keeps: the accounts' rows first (ascending id), then folders
/// (the triggers), then messages. Two units on one account therefore queue on its row instead of deadlocking on
/// folder and account rows taken in opposite orders.
/// </summary>
internal static class PostgresMessageInserter
{
    /// <summary>What locking an account's row for a delivery also reads, so the delivery need not ask again.</summary>
    public sealed record LockedAccount(long QuotaBytes, long UsedBytes, long? Inbox)
    {
        /// <summary>The quota rule: storing <paramref name="size"/> more bytes would pass a quota the account has (0 is none).</summary>
        public bool OverQuota(long size) => QuotaBytes > 0 && UsedBytes + size > QuotaBytes;
    }

    /// <summary>
    /// Locks the accounts' rows for the rest of the unit, in ascending id order, and reads with the lock each one's
    /// quota, bytes used and INBOX: a delivery to one mailbox then needs no statement before its insert.
    /// </summary>
    public static async Task<Dictionary<long, LockedAccount>> LockAccountsAsync(PostgresUnit unit, IEnumerable<long> accountIds)
    {
        var rows = await unit.Sql(
                "SELECT a.id, a.quota_bytes, a.used_bytes, (SELECT f.id FROM folders f WHERE f.account_id = a.id AND f.special_use = @inbox) " +
                "FROM accounts a WHERE a.id = ANY(@ids) ORDER BY a.id FOR UPDATE OF a")
            .With("ids", accountIds.Distinct().Order().ToArray()).With("inbox", (long)SpecialFolder.Inbox)
            .ListAsync(r => (Id: r.GetInt64(0), Account: new LockedAccount(r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3)))).ConfigureAwait(false);
        return rows.ToDictionary(row => row.Id, row => row.Account);
    }

    public static Task LockAccountAsync(PostgresUnit unit, long accountId) =>
        unit.Sql("SELECT id FROM accounts WHERE id = @a FOR UPDATE").With("a", accountId).ExecuteAsync();

    /// <summary>
    /// Returns the folder's next UID and advances it, or null when the folder is not the account's. The update holds
    /// the folder's row until commit, so UIDs of one folder commit in the order they were given (RFC 9051 §2.3.1.1).
    /// </summary>
    public static Task<long?> AllocateUidAsync(PostgresUnit unit, long accountId, long folderId) =>
        unit.Sql("UPDATE folders SET uid_next = uid_next + 1 WHERE id = @f AND account_id = @a RETURNING uid_next - 1")
            .With("f", folderId).With("a", accountId).LongOrNullAsync();

    public static async Task<long> FolderIdOfAsync(PostgresUnit unit, long accountId, SpecialFolder folder) =>
        await unit.Sql("SELECT id FROM folders WHERE account_id = @a AND special_use = @s").With("a", accountId).With("s", (long)folder).LongOrNullAsync().ConfigureAwait(false)
            ?? throw new StoreException($"The account has no {folder} folder.");

    /// <summary>True when storing <paramref name="size"/> more bytes would pass the account's quota (false for a missing account, as on SQLite).</summary>
    public static async Task<bool> OverQuotaAsync(PostgresUnit unit, long accountId, long size) =>
        (await unit.Sql("SELECT quota_bytes, used_bytes FROM accounts WHERE id = @a").With("a", accountId)
            .FirstAsync(r => new LockedAccount(r.GetInt64(0), r.GetInt64(1), null)).ConfigureAwait(false))?.OverQuota(size) is true;

    /// <summary>Whether every text the full-text index gets of the message is ASCII (kept for parity with SQLite's column).</summary>
    private static bool IndexesAscii(ParsedMessage parsed) =>
        Ascii.IsValid(parsed.BodyText) && Ascii.IsValid(parsed.HeaderText) && Ascii.IsValid(parsed.Subject)
        && Ascii.IsValid(parsed.FromName) && Ascii.IsValid(parsed.FromAddress) && Ascii.IsValid(parsed.To) && Ascii.IsValid(parsed.Cc);

    /// <summary>The one statement that stores a message (see <see cref="InsertAsync"/>).</summary>
    internal const string InsertSql =
        "WITH m AS (INSERT INTO messages (account_id, folder_id, flags, internal_date, size, from_address, from_name, to_addresses, cc_addresses, " +
        "subject, sent_date, message_id, in_reply_to, thread_key, thread_subject, preview, has_attachments, unterminated, keywords, headers_indexed, text_ascii) VALUES " +
        "(@a, @f, @flags, @idate, @size, @fa, @fn, @to, @cc, @subj, @date, @mid, @irt, " +
        "coalesce((SELECT t.thread_key FROM unnest(@refs::text[]) WITH ORDINALITY AS r(ref, n) " +
        "CROSS JOIN LATERAL (SELECT thread_key FROM messages WHERE account_id = @a AND message_id = r.ref LIMIT 1) t ORDER BY r.n LIMIT 1), " +
        "(SELECT thread_key FROM messages WHERE account_id = @a AND thread_subject = @ts AND @ts <> '' ORDER BY id DESC LIMIT 1), @tk), " +
        "@ts, @prev, @att, @unterminated, @kw, true, @ascii) RETURNING id, uid), " +
        "r AS (INSERT INTO message_raw (message_id, raw) SELECT id, @raw FROM m), " +
        "i AS (INSERT INTO message_imap (message_id, envelope, body_structure, body) SELECT id, @e, @bs, @b FROM m), " +
        "s AS (INSERT INTO message_search (message_id, document) SELECT id, @doc::tsvector FROM m) " +
        "SELECT id, uid FROM m";

    /// <summary>
    /// Inserts the message with everything it needs in one round trip: its UID (the insert trigger gives the folder's
    /// next), its conversation (<see cref="ConversationKey"/>: the first reference the account holds, else the newest
    /// message with its thread subject, else a new one), the columns, the raw bytes, the search document and the
    /// IMAP views.
    /// </summary>
    /// <param name="searchDocument">The message's <see cref="SearchDocument.Build(ParsedMessage)"/>, when the caller built it before
    /// its transaction (delivery does: the batch holds its accounts' rows while it writes); built here otherwise.</param>
    /// <exception cref="StoreException">The folder is not the account's.</exception>
    public static async Task<StoredMessage> InsertAsync(PostgresUnit unit, long accountId, long folderId, byte[] raw, ParsedMessage parsed, MessageFlags flags, DateTimeOffset internalDate,
        string keywords = "", string? searchDocument = null)
    {
        var threadSubject = ConversationKey.ThreadSubject(parsed.Subject);
        try
        {
            var (id, uid) = (await unit.Sql(InsertSql)
                .With("a", accountId).With("f", folderId).With("flags", (long)flags)
                .With("idate", internalDate.ToUnixMs()).With("size", raw.LongLength)
                .With("fa", parsed.FromAddress).With("fn", parsed.FromName).With("to", parsed.To).With("cc", parsed.Cc)
                .With("subj", parsed.Subject).With("date", parsed.Date?.ToUnixMs()).With("mid", parsed.MessageId)
                .With("irt", parsed.InReplyTo).With("refs", ConversationKey.References(parsed).ToArray())
                .With("tk", ConversationKey.NewThread(parsed)).With("ts", threadSubject)
                .With("prev", parsed.Preview).With("att", parsed.HasAttachments).With("unterminated", IsUnterminated(raw)).With("kw", keywords)
                .With("ascii", IndexesAscii(parsed)).With("raw", raw)
                .With("e", parsed.ImapEnvelope).With("bs", parsed.ImapBodyStructure).With("b", parsed.ImapBody)
                .With("doc", searchDocument ?? SearchDocument.Build(parsed))
                .FirstAsync(r => (r.GetInt64(0), r.GetInt64(1))).ConfigureAwait(false));
            return new StoredMessage(id, accountId, folderId, uid, raw.LongLength);
        }
        catch (PostgresException e) when (e.SqlState == ForeignFolder)
        {
            throw new StoreException("The folder does not exist.");
        }
    }

    /// <summary>The insert trigger's refusal of a folder that is not the message's account's (migration 0005).</summary>
    private const string ForeignFolder = "WMF01";

    /// <summary>
    /// True when the bytes are not empty and do not end with a line break (LF): POP3 sends a CRLF after them
    /// before the terminating dot (RFC 1939 §3) and counts it in the size.
    /// </summary>
    public static bool IsUnterminated(ReadOnlySpan<byte> raw) => raw.Length > 0 && raw[^1] != (byte)'\n';
}
