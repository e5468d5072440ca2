using System.Text;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The write steps every path that stores a message shares: UID allocation, threading, columns, raw bytes, index.</summary>
internal static class MessageInserter
{
    /// <summary>Returns the folder's next UID and advances it, or null when the folder is not the account's.</summary>
    public static long? AllocateUid(WriteContext context, long accountId, long folderId)
    {
        var command = context.Command("UPDATE folders SET uid_next = uid_next + 1 WHERE id = $f AND account_id = $a RETURNING uid_next - 1");
        command.With("$f", folderId).With("$a", accountId);
        var value = command.ExecuteScalar();
        return value is null ? null : Convert.ToInt64(value);
    }

    public static long FolderIdOf(WriteContext context, long accountId, SpecialFolder folder)
    {
        var command = context.Command("SELECT id FROM folders WHERE account_id = $a AND special_use = $s");
        command.With("$a", accountId).With("$s", (int)folder);
        return command.ExecuteScalar() is { } id ? Convert.ToInt64(id) : throw new StoreException($"The account has no {folder} folder.");
    }

    /// <summary>True when storing <paramref name="size"/> more bytes would pass the account's quota.</summary>
    public static bool OverQuota(WriteContext context, long accountId, long size)
    {
        var command = context.Command("SELECT quota_bytes > 0 AND used_bytes + $s > quota_bytes FROM accounts WHERE id = $a");
        command.With("$a", accountId).With("$s", size);
        return command.ScalarLong() != 0;
    }

    /// <summary>Whether every text the full-text indexes get of the message is ASCII (see migration 0009).</summary>
    private static bool IndexesAscii(ParsedMessage parsed) =>
        Ascii.IsValid(parsed.BodyText) && Ascii.IsValid(parsed.HeaderText) && Ascii.IsValid(parsed.Subject)
        && Ascii.IsValid(parsed.FromName) && Ascii.IsValid(parsed.FromAddress) && Ascii.IsValid(parsed.To) && Ascii.IsValid(parsed.Cc);

    public static StoredMessage Insert(WriteContext context, long accountId, long folderId, byte[] raw, ParsedMessage parsed, MessageFlags flags, DateTimeOffset internalDate, string keywords = "")
    {
        var uid = AllocateUid(context, accountId, folderId) ?? throw new StoreException("The folder does not exist.");
        var threadSubject = ConversationKey.ThreadSubject(parsed.Subject);
        var threadKey = FindThread(context, accountId, parsed, threadSubject) ?? ConversationKey.NewThread(parsed);

        var insert = context.Command(
            "INSERT INTO messages (account_id, folder_id, uid, flags, internal_date, size, from_address, from_name, to_addresses, cc_addresses, " +
            "subject, sent_date, message_id, in_reply_to, thread_key, thread_subject, preview, has_attachments, unterminated, keywords, headers_indexed, text_ascii) VALUES " +
            "($a, $f, $uid, $flags, $idate, $size, $fa, $fn, $to, $cc, $subj, $date, $mid, $irt, $tk, $ts, $prev, $att, $unterminated, $kw, 1, $ascii) RETURNING id");
        insert.With("$a", accountId).With("$f", folderId).With("$uid", uid).With("$flags", (int)flags)
            .With("$idate", internalDate.ToUnixMs()).With("$size", raw.LongLength)
            .With("$fa", parsed.FromAddress).With("$fn", parsed.FromName).With("$to", parsed.To).With("$cc", parsed.Cc)
            .With("$subj", parsed.Subject).With("$date", parsed.Date?.ToUnixMs()).With("$mid", parsed.MessageId)
            .With("$irt", parsed.InReplyTo).With("$tk", threadKey).With("$ts", threadSubject)
            .With("$prev", parsed.Preview).With("$att", parsed.HasAttachments ? 1 : 0).With("$unterminated", IsUnterminated(raw) ? 1 : 0).With("$kw", keywords)
            .With("$ascii", IndexesAscii(parsed) ? 1 : 0);
        var id = insert.ScalarLong();

        context.Command("INSERT INTO message_raw (message_id, raw) VALUES ($id, $raw)").With("$id", id).With("$raw", raw).ExecuteNonQuery();
        context.Command("INSERT INTO message_fts (rowid, subject, sender, recipients, body) VALUES ($id, $s, $from, $rcpt, $body)")
            .With("$id", id).With("$s", parsed.Subject).With("$from", parsed.FromName + " " + parsed.FromAddress)
            .With("$rcpt", parsed.To + " " + parsed.Cc).With("$body", parsed.BodyText).ExecuteNonQuery();
        context.Command("INSERT INTO message_header_fts (rowid, headers) VALUES ($id, $h)").With("$id", id).With("$h", parsed.HeaderText).ExecuteNonQuery();
        InsertStructure(context, id, new MessageStructure(parsed.ImapEnvelope, parsed.ImapBodyStructure, parsed.ImapBody));
        return new StoredMessage(id, accountId, folderId, uid, raw.LongLength);
    }

    /// <summary>Stores a message's IMAP views (ENVELOPE, BODYSTRUCTURE, BODY).</summary>
    public static void InsertStructure(WriteContext context, long messageId, MessageStructure structure) =>
        context.Command("INSERT OR REPLACE INTO message_imap (message_id, envelope, body_structure, body) VALUES ($id, $e, $bs, $b)")
            .With("$id", messageId).With("$e", structure.Envelope).With("$bs", structure.BodyStructure).With("$b", structure.Body).ExecuteNonQuery();

    /// <summary>
    /// True when the bytes are not empty and do not end with a line break (LF). The bytes are stored
    /// as they are; the mark (<c>messages.unterminated</c>) tells POP3, without reading them, that it
    /// sends a CRLF after them before the terminating dot (RFC 1939 §3) and counts it in the size.
    /// </summary>
    public static bool IsUnterminated(ReadOnlySpan<byte> raw) => raw.Length > 0 && raw[^1] != (byte)'\n';

    /// <summary>The conversation <see cref="ConversationKey"/> assigns among the account's stored messages, or null for a new one.</summary>
    private static string? FindThread(WriteContext context, long accountId, ParsedMessage parsed, string threadSubject)
    {
        foreach (var reference in ConversationKey.References(parsed))
        {
            var byReference = context.Command("SELECT thread_key FROM messages WHERE account_id = $a AND message_id = $m LIMIT 1");
            if (byReference.With("$a", accountId).With("$m", reference).ExecuteScalar() is string key)
                return key;
        }
        if (threadSubject.Length == 0)
            return null;
        var bySubject = context.Command("SELECT thread_key FROM messages WHERE account_id = $a AND thread_subject = $s ORDER BY id DESC LIMIT 1");
        return bySubject.With("$a", accountId).With("$s", threadSubject).ExecuteScalar() as string;
    }
}
