using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// The SQLite implementation of every mailbox interface (<see cref="IMessageStore"/>); one instance serves them all.
/// Reads use pooled connections; writes go through the group-commit writer.
/// </summary>
public sealed partial class SqliteMessageStore(SqliteDatabase database, MailboxNotifier notifier, TimeProvider time, IOptionsMonitor<WebmailOptions> options)
    : IMessageStore
{
    private GroupCommitWriter Writer => database.Writer;
    private int MaxMimeDepth => options.CurrentValue.Limits.MaxMimeDepth;

    public async Task<IReadOnlyList<Folder>> GetFoldersAsync(long accountId, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {MessageRows.FolderColumns} FROM folders WHERE account_id = $a ORDER BY special_use = 0, special_use, name COLLATE NOCASE";
            command.With("$a", accountId);
            var folders = new List<Folder>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (reader.Read())
                folders.Add(MessageRows.ReadFolder(reader));
            return folders;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Folder?> GetFolderAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        await QueryFolderAsync("id = $f AND account_id = $a", accountId, folderId, cancellationToken).ConfigureAwait(false);

    public async Task<Folder> GetSpecialFolderAsync(long accountId, SpecialFolder folder, CancellationToken cancellationToken) =>
        await QueryFolderAsync("special_use = $f AND account_id = $a", accountId, (int)folder, cancellationToken).ConfigureAwait(false)
        ?? throw new StoreException($"The account has no {folder} folder.");

    private async Task<Folder?> QueryFolderAsync(string where, long accountId, long value, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {MessageRows.FolderColumns} FROM folders WHERE {where}";
            command.With("$a", accountId).With("$f", value);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return reader.Read() ? MessageRows.ReadFolder(reader) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Folder> CreateFolderAsync(long accountId, string name, long? parentId, CancellationToken cancellationToken)
    {
        name = FolderName.Validate(name);
        var id = await Writer.ExecuteAsync(context =>
        {
            if (parentId is { } parent && context.Command("SELECT 1 FROM folders WHERE id = $p AND account_id = $a").With("$p", parent).With("$a", accountId).ExecuteScalar() is null)
                throw new StoreException("The parent folder does not exist.");
            EnsureNameFree(context, accountId, parentId, name, exceptId: 0);
            var newId = context.Command("INSERT INTO folders (account_id, parent_id, name, special_use, uid_validity) VALUES ($a, $p, $n, 0, $v) RETURNING id")
                .With("$a", accountId).With("$p", parentId).With("$n", name).With("$v", time.GetUtcNow().ToUnixTimeSeconds()).ScalarLong();
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, newId)));
            return newId;
        }, cancellationToken).ConfigureAwait(false);
        return (await GetFolderAsync(accountId, id, cancellationToken).ConfigureAwait(false))!;
    }

    public Task RenameFolderAsync(long accountId, long folderId, string name, CancellationToken cancellationToken)
    {
        name = FolderName.Validate(name);
        return Writer.ExecuteAsync(context =>
        {
            var parent = RequireUserFolder(context, accountId, folderId, "renamed");
            EnsureNameFree(context, accountId, parent, name, folderId);
            context.Command("UPDATE folders SET name = $n WHERE id = $f").With("$n", name).With("$f", folderId).ExecuteNonQuery();
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
        }, cancellationToken);
    }

    public Task DeleteFolderAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context =>
        {
            RequireUserFolder(context, accountId, folderId, "deleted");
            // Subfolders and messages go by ON DELETE CASCADE; the triggers keep the counters right.
            context.Command("DELETE FROM folders WHERE id = $f").With("$f", folderId).ExecuteNonQuery();
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
        }, WriteKind.ChangesOrRemoves, cancellationToken);

    private static long? RequireUserFolder(WriteContext context, long accountId, long folderId, string verb)
    {
        using var reader = context.Command("SELECT special_use, parent_id FROM folders WHERE id = $f AND account_id = $a").With("$f", folderId).With("$a", accountId).ExecuteReader();
        if (!reader.Read())
            throw new StoreException("The folder does not exist.");
        if (reader.GetInt32(0) != 0)
            throw new StoreException($"Standard folders cannot be {verb}.");
        return reader.IsDBNull(1) ? null : reader.GetInt64(1);
    }

    private static void EnsureNameFree(WriteContext context, long accountId, long? parentId, string name, long exceptId)
    {
        var taken = context.Command("SELECT 1 FROM folders WHERE account_id = $a AND ifnull(parent_id, 0) = $p AND name = $n COLLATE NOCASE AND id <> $x")
            .With("$a", accountId).With("$p", parentId ?? 0).With("$n", name).With("$x", exceptId).ExecuteScalar();
        if (taken is not null)
            throw new StoreException($"A folder named '{name}' already exists there.");
    }

    public async Task<StoredMessage> AppendAsync(long accountId, long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset? internalDate = null, bool enforceQuota = true, CancellationToken cancellationToken = default)
    {
        var bytes = RawBytes.AsArray(raw);
        var parsed = MessageParser.Parse(bytes, MaxMimeDepth);
        var date = internalDate ?? time.GetUtcNow();
        return await Writer.ExecuteAsync(context =>
        {
            if (enforceQuota && OverQuotaOrMissing(context, accountId, bytes.LongLength))
                throw new QuotaExceededException(AddressOf(context, accountId));
            var stored = MessageInserter.Insert(context, accountId, folderId, bytes, parsed, flags, date);
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static bool OverQuotaOrMissing(WriteContext context, long accountId, long size) => MessageInserter.OverQuota(context, accountId, size);

    private static string AddressOf(WriteContext context, long accountId) =>
        context.Command("SELECT address FROM accounts WHERE id = $a").With("$a", accountId).ExecuteScalar() as string ?? accountId.ToString();

    public async Task<Page<MessageSummary>> ListAsync(long accountId, long folderId, int pageIndex, int pageSize, MessageSort sort, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT message_count FROM folders WHERE id = $f AND account_id = $a";
            count.With("$f", folderId).With("$a", accountId);
            if (await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } total)
                return new Page<MessageSummary>([], 0, pageIndex, pageSize);

            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {MessageRows.SummaryColumns} FROM messages m WHERE m.folder_id = $f AND m.account_id = $a ORDER BY {MessageRows.OrderBy(sort)} LIMIT $n OFFSET $o";
            command.With("$f", folderId).With("$a", accountId).With("$n", pageSize).With("$o", (long)pageIndex * pageSize);
            return new Page<MessageSummary>(await ReadSummariesAsync(command, cancellationToken).ConfigureAwait(false), Convert.ToInt64(total), pageIndex, pageSize);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Page<MessageSummary>> SearchAsync(long accountId, SearchQuery query, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            var where = new StringBuilder("m.account_id = $a");
            command.With("$a", accountId);
            if (query.FolderId is { } folderId)
            {
                where.Append(" AND m.folder_id = $f");
                command.With("$f", folderId);
            }
            var match = FtsMatch(query);
            var from = "messages m";
            if (match.Length > 0)
            {
                // Drive the query from the index (CROSS JOIN fixes the order): a rare word then costs a
                // handful of row lookups. As "m.id IN (subquery)" the planner walked the whole folder.
                from = "message_fts f CROSS JOIN messages m ON m.id = f.rowid";
                where.Append(" AND f.message_fts MATCH $q");
                command.With("$q", match);
            }
            if (query.HasAttachment is { } att)
                where.Append(att ? " AND m.has_attachments = 1" : " AND m.has_attachments = 0");
            if (query.IsUnread is { } unread)
                where.Append(unread ? " AND (m.flags & 1) = 0" : " AND (m.flags & 1) = 1");
            if (query.IsFlagged is { } flagged)
                where.Append(flagged ? " AND (m.flags & 4) = 4" : " AND (m.flags & 4) = 0");
            if (query.Before is { } before)
            {
                where.Append(" AND m.internal_date < $before");
                command.With("$before", before.ToUnixMs());
            }
            if (query.After is { } after)
            {
                where.Append(" AND m.internal_date >= $after");
                command.With("$after", after.ToUnixMs());
            }

            // Count no further than needed to page one step past this page (at least SearchCountLimit):
            // a common word matches a third of a big mailbox and counting it all costs more than the page.
            var countLimit = Math.Max(SearchCountLimit, (pageIndex + 1L) * pageSize) + 1;
            command.CommandText = $"SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {where} LIMIT $limit)";
            command.With("$limit", countLimit);
            var counted = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
            var lowerBound = counted == countLimit;
            // Newest first. From the full-text index that is descending rowid (= messages.id, arrival
            // order), which FTS5 walks backwards and stops after the page; sorting the matches by date
            // instead meant reading and sorting every match of a common word.
            var order = match.Length > 0 ? "f.rowid DESC" : "m.internal_date DESC, m.id DESC";
            command.CommandText = $"SELECT {MessageRows.SummaryColumns} FROM {from} WHERE {where} ORDER BY {order} LIMIT $n OFFSET $o";
            command.With("$n", pageSize).With("$o", (long)pageIndex * pageSize);
            var items = await ReadSummariesAsync(command, cancellationToken).ConfigureAwait(false);
            return new Page<MessageSummary>(items, lowerBound ? counted - 1 : counted, pageIndex, pageSize, lowerBound);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Search results are counted exactly up to this many; beyond it the total is a lower bound.</summary>
    public const int SearchCountLimit = 1000;

    /// <summary>
    /// Builds an FTS5 query: every word and phrase quoted (so user text is never FTS syntax), joined by AND;
    /// the last free word a prefix (<c>"invo"*</c>) while it is being typed.
    /// </summary>
    internal static string FtsMatch(SearchQuery query)
    {
        var parts = new List<string>();
        parts.AddRange(FreeWords(query));
        parts.AddRange(query.From.Select(v => "sender : " + Quote(v)));
        parts.AddRange(query.To.Select(v => "recipients : " + Quote(v)));
        parts.AddRange(query.Subject.Select(v => "subject : " + Quote(v)));
        return string.Join(" AND ", parts.Where(p => p.Length > 0));

        static string Quote(string value) => QuoteForMatch(value);
    }

    public async Task<IReadOnlyList<MessageSummary>> GetThreadAsync(long accountId, string threadKey, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {MessageRows.SummaryColumns} FROM messages m WHERE m.account_id = $a AND m.thread_key = $t ORDER BY m.internal_date, m.id";
            command.With("$a", accountId).With("$t", threadKey);
            return await ReadSummariesAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MessageSummary?> GetSummaryAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {MessageRows.SummaryColumns} FROM messages m WHERE m.id = $id AND m.account_id = $a";
            command.With("$id", messageId).With("$a", accountId);
            var list = await ReadSummariesAsync(command, cancellationToken).ConfigureAwait(false);
            return list.Count == 0 ? null : list[0];
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<MessageSummary>> ReadSummariesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var list = new List<MessageSummary>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (reader.Read())
            list.Add(MessageRows.ReadSummary(reader));
        return list;
    }

    public async Task<byte[]?> GetRawAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT r.raw FROM message_raw r JOIN messages m ON m.id = r.message_id WHERE m.id = $id AND m.account_id = $a";
            command.With("$id", messageId).With("$a", accountId);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<Stream?> OpenRawAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        // A one-read reader whose connection goes back to the pool when the stream is disposed.
        var reader = new RawMessageReader(database, accountId);
        try
        {
            var stream = reader.Open(messageId, owner: reader);
            if (stream is null)
                reader.Dispose();
            return Task.FromResult(stream);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public IRawMessageReader OpenRawReader(long accountId) => new RawMessageReader(database, accountId);

    public Task<int> SetFlagsAsync(long accountId, IReadOnlyCollection<long> messageIds, MessageFlags flags, bool set, CancellationToken cancellationToken) =>
        messageIds.Count == 0
            ? Task.FromResult(0)
            : Writer.ExecuteAsync(context => SetFlags(context, accountId, messageIds, flags, set), WriteKind.ChangesOrRemoves, cancellationToken);

    /// <summary>Inside a write unit: adds or removes flags on the account's messages; returns how many changed.</summary>
    private int SetFlags(WriteContext context, long accountId, IReadOnlyCollection<long> messageIds, MessageFlags flags, bool set)
    {
        var sql = set
            ? "UPDATE messages SET flags = flags | $fl WHERE account_id = $a AND id IN (SELECT value FROM json_each($ids)) AND flags & $fl <> $fl RETURNING folder_id"
            : "UPDATE messages SET flags = flags & ~$fl WHERE account_id = $a AND id IN (SELECT value FROM json_each($ids)) AND flags & $fl <> 0 RETURNING folder_id";
        var folders = new HashSet<long>();
        var changed = 0;
        using (var reader = context.Command(sql).With("$fl", (int)flags).With("$a", accountId).With("$ids", JsonSerializer.Serialize(messageIds)).ExecuteReader())
        {
            while (reader.Read())
            {
                folders.Add(reader.GetInt64(0));
                changed++;
            }
        }
        PublishChanged(context, accountId, folders);
        return changed;
    }

    public Task<IReadOnlyList<StoredMessage>> MoveAsync(long accountId, IReadOnlyCollection<long> messageIds, long targetFolderId, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync<IReadOnlyList<StoredMessage>>(context => MoveWithin(context, accountId, messageIds, targetFolderId, MessageFlags.None, junkVerdict: true), WriteKind.ChangesOrRemoves, cancellationToken);

    /// <summary>
    /// Moves the account's messages into the folder, each with a new UID there (as IMAP MOVE does), adding
    /// <paramref name="addFlags"/>. With <paramref name="junkVerdict"/> (a user's move in the web UI) a move in or
    /// out of Junk also sets the junk keywords (<see cref="WellKnownKeywords.ForMove"/>) in the same statement.
    /// </summary>
    private List<StoredMessage> MoveWithin(WriteContext context, long accountId, IEnumerable<long> messageIds, long targetFolderId, MessageFlags addFlags, bool junkVerdict = false)
    {
        if (context.Command("SELECT special_use FROM folders WHERE id = $f AND account_id = $a").With("$f", targetFolderId).With("$a", accountId).ExecuteScalar() is not { } targetUse)
            throw new StoreException("The target folder does not exist.");
        var to = (SpecialFolder)Convert.ToInt32(targetUse, System.Globalization.CultureInfo.InvariantCulture);
        var moved = new List<StoredMessage>();
        var folders = new HashSet<long> { targetFolderId };
        foreach (var id in messageIds.Distinct())
        {
            long size, from;
            string keywords;
            SpecialFolder fromUse;
            using (var reader = context.Command("SELECT m.size, m.folder_id, m.keywords, f.special_use FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = $id AND m.account_id = $a")
                .With("$id", id).With("$a", accountId).ExecuteReader())
            {
                if (!reader.Read())
                    continue;
                size = reader.GetInt64(0);
                from = reader.GetInt64(1);
                keywords = reader.GetString(2);
                fromUse = (SpecialFolder)reader.GetInt32(3);
            }
            if (from == targetFolderId && addFlags == MessageFlags.None)
                continue;
            if (junkVerdict && WellKnownKeywords.ForMove(fromUse, to) is { } edit)
                keywords = edit.ApplyTo(keywords);
            // Every move in or out of Junk (web UI, IMAP MOVE) teaches the spam filter, once committed.
            if (WellKnownKeywords.SpamVerdictForMove(fromUse, to) is { } spam)
                context.AfterCommit(() => notifier.PublishJunkVerdict(new JunkVerdict(accountId, id, spam)));
            var uid = MessageInserter.AllocateUid(context, accountId, targetFolderId)!.Value;
            context.Command("UPDATE messages SET folder_id = $f, uid = $uid, flags = flags | $fl, keywords = $k WHERE id = $id")
                .With("$f", targetFolderId).With("$uid", uid).With("$fl", (int)addFlags).With("$k", keywords).With("$id", id).ExecuteNonQuery();
            folders.Add(from);
            moved.Add(new StoredMessage(id, accountId, targetFolderId, uid, size));
        }
        PublishChanged(context, accountId, folders);
        return moved;
    }

    /// <summary>Inside a write unit: adds and removes keywords on one of the account's messages; returns whether it changed.</summary>
    private bool EditKeywords(WriteContext context, long accountId, long messageId, KeywordEdit edit)
    {
        string stored;
        long folderId;
        using (var reader = context.Command("SELECT keywords, folder_id FROM messages WHERE id = $id AND account_id = $a").With("$id", messageId).With("$a", accountId).ExecuteReader())
        {
            if (!reader.Read())
                return false;
            stored = reader.GetString(0);
            folderId = reader.GetInt64(1);
        }
        var keywords = edit.ApplyTo(stored);
        if (keywords == stored)
            return false;
        context.Command("UPDATE messages SET keywords = $k WHERE id = $id").With("$k", keywords).With("$id", messageId).ExecuteNonQuery();
        PublishChanged(context, accountId, [folderId]);
        return true;
    }

    public Task<int> DeleteAsync(long accountId, IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken) =>
        messageIds.Count == 0 ? Task.FromResult(0) : DeleteWhereAsync(accountId, "id IN (SELECT value FROM json_each($x))", JsonSerializer.Serialize(messageIds), cancellationToken);

    public Task<int> ExpungeAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        DeleteWhereAsync(accountId, "folder_id = $x AND (flags & 8) = 8", folderId, cancellationToken);

    public Task<int> EmptyFolderAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        DeleteWhereAsync(accountId, "folder_id = $x", folderId, cancellationToken);

    private Task<int> DeleteWhereAsync(long accountId, string where, object argument, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context => DeleteWhere(context, accountId, where, argument), WriteKind.ChangesOrRemoves, cancellationToken);

    /// <summary>Inside a write unit: removes the account's messages matching <paramref name="where"/> (<c>$x</c> is <paramref name="argument"/>); returns how many.</summary>
    private int DeleteWhere(WriteContext context, long accountId, string where, object argument)
    {
        var folders = new HashSet<long>();
        var count = 0;
        using (var reader = context.Command($"DELETE FROM messages WHERE account_id = $a AND {where} RETURNING folder_id").With("$a", accountId).With("$x", argument).ExecuteReader())
        {
            while (reader.Read())
            {
                folders.Add(reader.GetInt64(0));
                count++;
            }
        }
        PublishChanged(context, accountId, folders);
        return count;
    }

    public async Task<IReadOnlyList<MaildropEntry>> GetMaildropAsync(long accountId, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            // The INBOX id first (the folder belongs to the account), then a range of the covering
            // index messages_folder_uid_size, already in UID order: no messages row is read.
            // The size is what a POP3 client receives (RFC 1939 §5): the stored bytes, plus the CRLF
            // POP3 sends after a message whose last line has no line break (MessageInserter.IsUnterminated).
            command.CommandText = "SELECT id, size + 2 * unterminated FROM messages WHERE folder_id = (SELECT id FROM folders WHERE account_id = $a AND special_use = $inbox) ORDER BY uid";
            command.With("$a", accountId).With("$inbox", (int)SpecialFolder.Inbox);
            var list = new List<MaildropEntry>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (reader.Read())
            {
                var id = reader.GetInt64(0);
                list.Add(new MaildropEntry(id, reader.GetInt64(1), id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            return list;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task CommitPop3UpdateAsync(long accountId, IReadOnlyCollection<long> deletedIds, IReadOnlyCollection<long> retrievedIds, Pop3DeletePolicy policy, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context =>
        {
            var inbox = MessageInserter.FolderIdOf(context, accountId, SpecialFolder.Inbox);
            var seen = retrievedIds.Concat(policy == Pop3DeletePolicy.Keep ? deletedIds : []).Distinct().ToList();
            if (seen.Count > 0)
            {
                context.Command("UPDATE messages SET flags = flags | 1 WHERE account_id = $a AND folder_id = $f AND id IN (SELECT value FROM json_each($ids)) AND (flags & 1) = 0")
                    .With("$a", accountId).With("$f", inbox).With("$ids", JsonSerializer.Serialize(seen)).ExecuteNonQuery();
            }
            if (deletedIds.Count > 0 && policy == Pop3DeletePolicy.Delete)
            {
                context.Command("DELETE FROM messages WHERE account_id = $a AND folder_id = $f AND id IN (SELECT value FROM json_each($ids))")
                    .With("$a", accountId).With("$f", inbox).With("$ids", JsonSerializer.Serialize(deletedIds)).ExecuteNonQuery();
            }
            else if (deletedIds.Count > 0 && policy == Pop3DeletePolicy.Trash)
            {
                var stillInInbox = new List<long>();
                using (var reader = context.Command("SELECT id FROM messages WHERE account_id = $a AND folder_id = $f AND id IN (SELECT value FROM json_each($ids))")
                    .With("$a", accountId).With("$f", inbox).With("$ids", JsonSerializer.Serialize(deletedIds)).ExecuteReader())
                {
                    while (reader.Read())
                        stillInInbox.Add(reader.GetInt64(0));
                }
                MoveWithin(context, accountId, stillInInbox, MessageInserter.FolderIdOf(context, accountId, SpecialFolder.Trash), MessageFlags.Seen);
            }
            PublishChanged(context, accountId, [inbox]);
        }, WriteKind.ChangesOrRemoves, cancellationToken);

    public async Task<IReadOnlyList<string>> SuggestAddressesAsync(long accountId, string prefix, int limit, CancellationToken cancellationToken)
    {
        var suggestions = new AddressSuggestions();
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using (var senders = connection.CreateCommand())
            {
                senders.CommandText = "SELECT lower(from_address), count(*), max(from_name) FROM messages WHERE account_id = $a AND from_address <> '' GROUP BY lower(from_address) ORDER BY count(*) DESC LIMIT 1000";
                senders.With("$a", accountId);
                using var reader = await senders.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (reader.Read())
                    suggestions.AddSender(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? "" : reader.GetString(2));
            }
            using (var sent = connection.CreateCommand())
            {
                // Recipients of the account's most recent sent mail.
                sent.CommandText = "SELECT m.to_addresses || ', ' || m.cc_addresses FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.account_id = $a AND f.special_use = $sent ORDER BY m.id DESC LIMIT 1000";
                sent.With("$a", accountId).With("$sent", (int)SpecialFolder.Sent);
                using var reader = await sent.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (reader.Read())
                    suggestions.AddRecipients(reader.GetString(0));
            }
            return suggestions.Rank(prefix, limit);
        }, cancellationToken).ConfigureAwait(false);
    }

    private void PublishChanged(WriteContext context, long accountId, IEnumerable<long> folderIds)
    {
        foreach (var folderId in folderIds)
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
    }
}
