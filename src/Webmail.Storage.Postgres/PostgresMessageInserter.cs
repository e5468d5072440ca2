using System.Text;
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
    /// <summary>Locks the accounts' rows for the rest of the unit, in ascending id order.</summary>
    public static Task LockAccountsAsync(PostgresUnit unit, IEnumerable<long> accountIds) =>
        unit.Sql("SELECT id FROM accounts WHERE id = ANY(@ids) ORDER BY id FOR UPDATE").With("ids", accountIds.Distinct().Order().ToArray()).ExecuteAsync();

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
        await unit.Sql("SELECT quota_bytes > 0 AND used_bytes + @s > quota_bytes FROM accounts WHERE id = @a")
            .With("a", accountId).With("s", size).ScalarAsync().ConfigureAwait(false) is true;

    /// <summary>Whether every text the full-text index gets of the message is ASCII (kept for parity with SQLite's column).</summary>
    private static bool IndexesAscii(ParsedMessage parsed) =>
        Ascii.IsValid(parsed.BodyText) && Ascii.IsValid(parsed.HeaderText) && Ascii.IsValid(parsed.Subject)
        && Ascii.IsValid(parsed.FromName) && Ascii.IsValid(parsed.FromAddress) && Ascii.IsValid(parsed.To) && Ascii.IsValid(parsed.Cc);

    public static async Task<StoredMessage> InsertAsync(PostgresUnit unit, long accountId, long folderId, byte[] raw, ParsedMessage parsed, MessageFlags flags, DateTimeOffset internalDate, string keywords = "")
    {
        var uid = await AllocateUidAsync(unit, accountId, folderId).ConfigureAwait(false) ?? throw new StoreException("The folder does not exist.");
        var threadSubject = ConversationKey.ThreadSubject(parsed.Subject);
        var threadKey = await FindThreadAsync(unit, accountId, parsed, threadSubject).ConfigureAwait(false) ?? ConversationKey.NewThread(parsed);

        // One round trip: the columns, the raw bytes, the search document and the IMAP views.
        var id = await unit.Sql(
            "WITH m AS (INSERT INTO messages (account_id, folder_id, uid, flags, internal_date, size, from_address, from_name, to_addresses, cc_addresses, " +
            "subject, sent_date, message_id, in_reply_to, thread_key, thread_subject, preview, has_attachments, unterminated, keywords, headers_indexed, text_ascii) VALUES " +
            "(@a, @f, @uid, @flags, @idate, @size, @fa, @fn, @to, @cc, @subj, @date, @mid, @irt, @tk, @ts, @prev, @att, @unterminated, @kw, true, @ascii) RETURNING id), " +
            "r AS (INSERT INTO message_raw (message_id, raw) SELECT id, @raw FROM m), " +
            "i AS (INSERT INTO message_imap (message_id, envelope, body_structure, body) SELECT id, @e, @bs, @b FROM m), " +
            "s AS (INSERT INTO message_search (message_id, document) SELECT id, @doc::tsvector FROM m) " +
            "SELECT id FROM m")
            .With("a", accountId).With("f", folderId).With("uid", uid).With("flags", (long)flags)
            .With("idate", internalDate.ToUnixMs()).With("size", raw.LongLength)
            .With("fa", parsed.FromAddress).With("fn", parsed.FromName).With("to", parsed.To).With("cc", parsed.Cc)
            .With("subj", parsed.Subject).With("date", parsed.Date?.ToUnixMs()).With("mid", parsed.MessageId)
            .With("irt", parsed.InReplyTo).With("tk", threadKey).With("ts", threadSubject)
            .With("prev", parsed.Preview).With("att", parsed.HasAttachments).With("unterminated", IsUnterminated(raw)).With("kw", keywords)
            .With("ascii", IndexesAscii(parsed)).With("raw", raw)
            .With("e", parsed.ImapEnvelope).With("bs", parsed.ImapBodyStructure).With("b", parsed.ImapBody)
            .With("doc", SearchDocument.Build(parsed))
            .LongAsync().ConfigureAwait(false);
        return new StoredMessage(id, accountId, folderId, uid, raw.LongLength);
    }

    /// <summary>
    /// True when the bytes are not empty and do not end with a line break (LF): POP3 sends a CRLF after them
    /// before the terminating dot (RFC 1939 §3) and counts it in the size.
    /// </summary>
    public static bool IsUnterminated(ReadOnlySpan<byte> raw) => raw.Length > 0 && raw[^1] != (byte)'\n';

    /// <summary>The conversation <see cref="ConversationKey"/> assigns among the account's stored messages, or null for a new one.</summary>
    private static async Task<string?> FindThreadAsync(PostgresUnit unit, long accountId, ParsedMessage parsed, string threadSubject)
    {
        foreach (var reference in ConversationKey.References(parsed))
        {
            if (await unit.Sql("SELECT thread_key FROM messages WHERE account_id = @a AND message_id = @m LIMIT 1")
                    .With("a", accountId).With("m", reference).ScalarAsync().ConfigureAwait(false) is string key)
                return key;
        }
        if (threadSubject.Length == 0)
            return null;
        return await unit.Sql("SELECT thread_key FROM messages WHERE account_id = @a AND thread_subject = @s ORDER BY id DESC LIMIT 1")
            .With("a", accountId).With("s", threadSubject).ScalarAsync().ConfigureAwait(false) as string;
    }
}
