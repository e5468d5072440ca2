using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The PostgreSQL implementation of every message-side interface (<see cref="IMessageStore"/>), with the SQLite
/// store's contracts. Each write is one transaction on a pooled connection (<see cref="PostgresUnits"/>); every unit
/// that changes an account's messages locks the account's row first (<see cref="PostgresMessageInserter"/>), UIDs come
/// from an atomic <c>UPDATE folders ... RETURNING</c>, and the folder counters, MODSEQ and expunge log are kept by the
/// schema's triggers in the same transaction.
/// </summary>
public sealed partial class PostgresMessageStore(PostgresDatabase database, MailboxNotifier notifier, TimeProvider time, IOptionsMonitor<WebmailOptions> options, ILogger<PostgresMessageStore> logger)
    : IMessageStore
{
    private int MaxMimeDepth => options.CurrentValue.Limits.MaxMimeDepth;

    /// <summary>Appends to one account take turns in this process before their transactions (see <see cref="AccountTurns"/>).</summary>
    private readonly AccountTurns _appendTurns = new();

    private Task<T> WriteAsync<T>(Func<PostgresUnit, Task<T>> work, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, work, cancellationToken);

    private Task WriteAsync(Func<PostgresUnit, Task> work, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, work, cancellationToken);

    private Task<T> ReadAsync<T>(Func<PostgresUnit, Task<T>> read, CancellationToken cancellationToken, bool snapshot = false) =>
        PostgresUnits.ReadAsync(database, read, cancellationToken, snapshot);

    public Task<IReadOnlyList<Folder>> GetFoldersAsync(long accountId, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Folder>>(async unit => await unit.Sql(
                $"SELECT {MessageRows.FolderColumns} FROM folders WHERE account_id = @a ORDER BY special_use = 0, special_use, lower(name) COLLATE \"C\"")
            .With("a", accountId).ListAsync(MessageRows.ReadFolder).ConfigureAwait(false), cancellationToken);

    public Task<Folder?> GetFolderAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        ReadAsync(unit => ReadFolderAsync(unit, accountId, folderId), cancellationToken);

    public async Task<Folder> GetSpecialFolderAsync(long accountId, SpecialFolder folder, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql($"SELECT {MessageRows.FolderColumns} FROM folders WHERE special_use = @s AND account_id = @a")
                .With("s", (long)folder).With("a", accountId).FirstAsync(MessageRows.ReadFolder), cancellationToken).ConfigureAwait(false)
            ?? throw new StoreException($"The account has no {folder} folder.");

    private static Task<Folder?> ReadFolderAsync(PostgresUnit unit, long accountId, long folderId) =>
        unit.Sql($"SELECT {MessageRows.FolderColumns} FROM folders WHERE id = @f AND account_id = @a")
            .With("f", folderId).With("a", accountId).FirstAsync(MessageRows.ReadFolder)!;

    public async Task<Folder> CreateFolderAsync(long accountId, string name, long? parentId, CancellationToken cancellationToken)
    {
        name = FolderName.Validate(name);
        var id = await WriteAsync(async unit =>
        {
            if (parentId is { } parent && await unit.Sql("SELECT 1 FROM folders WHERE id = @p AND account_id = @a").With("p", parent).With("a", accountId).ScalarAsync().ConfigureAwait(false) is null)
                throw new StoreException("The parent folder does not exist.");
            await EnsureNameFreeAsync(unit, accountId, parentId, name, exceptId: 0).ConfigureAwait(false);
            var newId = await InsertFolderAsync(unit, accountId, parentId, name).ConfigureAwait(false);
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, newId)));
            return newId;
        }, cancellationToken).ConfigureAwait(false);
        return (await GetFolderAsync(accountId, id, cancellationToken).ConfigureAwait(false))!;
    }

    private Task<long> InsertFolderAsync(PostgresUnit unit, long accountId, long? parentId, string name) =>
        unit.Sql("INSERT INTO folders (account_id, parent_id, name, special_use, uid_validity) VALUES (@a, @p, @n, 0, @v) RETURNING id")
            .With("a", accountId).With("p", parentId).With("n", name).With("v", time.GetUtcNow().ToUnixTimeSeconds()).LongAsync();

    public Task RenameFolderAsync(long accountId, long folderId, string name, CancellationToken cancellationToken)
    {
        name = FolderName.Validate(name);
        return WriteAsync(async unit =>
        {
            var parent = await RequireUserFolderAsync(unit, accountId, folderId, "renamed").ConfigureAwait(false);
            await EnsureNameFreeAsync(unit, accountId, parent, name, folderId).ConfigureAwait(false);
            await unit.Sql("UPDATE folders SET name = @n WHERE id = @f").With("n", name).With("f", folderId).ExecuteAsync().ConfigureAwait(false);
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
        }, cancellationToken);
    }

    public Task DeleteFolderAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            await RequireUserFolderAsync(unit, accountId, folderId, "deleted").ConfigureAwait(false);
            // Subfolders and messages go by ON DELETE CASCADE; the triggers keep the counters right.
            await unit.Sql("DELETE FROM folders WHERE id = @f").With("f", folderId).ExecuteAsync().ConfigureAwait(false);
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
        }, cancellationToken);

    private static async Task<long?> RequireUserFolderAsync(PostgresUnit unit, long accountId, long folderId, string verb)
    {
        var row = await unit.Sql("SELECT special_use, parent_id FROM folders WHERE id = @f AND account_id = @a").With("f", folderId).With("a", accountId)
            .FirstAsync(r => (Found: true, Use: r.GetInt64(0), Parent: r.IsDBNull(1) ? (long?)null : r.GetInt64(1))).ConfigureAwait(false);
        if (!row.Found)
            throw new StoreException("The folder does not exist.");
        if (row.Use != 0)
            throw new StoreException($"Standard folders cannot be {verb}.");
        return row.Parent;
    }

    /// <summary>
    /// Refuses a name a sibling has (without case). Two writers racing past this check meet the unique index on
    /// (account, parent, name) (the nocase collation), which <see cref="PostgresUnits"/> reports as the same <see cref="StoreException"/> kind.
    /// </summary>
    private static async Task EnsureNameFreeAsync(PostgresUnit unit, long accountId, long? parentId, string name, long exceptId)
    {
        var taken = await unit.Sql("SELECT 1 FROM folders WHERE account_id = @a AND coalesce(parent_id, 0) = @p AND name = @n AND id <> @x")
            .With("a", accountId).With("p", parentId ?? 0).With("n", name).With("x", exceptId).ScalarAsync().ConfigureAwait(false);
        if (taken is not null)
            throw new StoreException($"A folder named '{name}' already exists there.");
    }

    public async Task<StoredMessage> AppendAsync(long accountId, long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, DateTimeOffset? internalDate = null, bool enforceQuota = true, CancellationToken cancellationToken = default)
    {
        var bytes = RawBytes.AsArray(raw);
        var parsed = MessageParser.Parse(bytes, MaxMimeDepth);
        var date = internalDate ?? time.GetUtcNow();
        using var turn = await _appendTurns.TakeAsync(accountId, cancellationToken).ConfigureAwait(false);
        return await WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            if (enforceQuota && await PostgresMessageInserter.OverQuotaAsync(unit, accountId, bytes.LongLength).ConfigureAwait(false))
                throw new QuotaExceededException(await AddressOfAsync(unit, accountId).ConfigureAwait(false));
            var stored = await PostgresMessageInserter.InsertAsync(unit, accountId, folderId, bytes, parsed, flags, date).ConfigureAwait(false);
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> AddressOfAsync(PostgresUnit unit, long accountId) =>
        await unit.Sql("SELECT address FROM accounts WHERE id = @a").With("a", accountId).ScalarAsync().ConfigureAwait(false) as string ?? accountId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<Page<MessageSummary>> ListAsync(long accountId, long folderId, int pageIndex, int pageSize, MessageSort sort, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        return await ReadAsync(async unit =>
        {
            if (await unit.Sql("SELECT message_count FROM folders WHERE id = @f AND account_id = @a").With("f", folderId).With("a", accountId).LongOrNullAsync().ConfigureAwait(false) is not { } total)
                return new Page<MessageSummary>([], 0, pageIndex, pageSize);
            var items = await unit.Sql($"SELECT {MessageRows.SummaryColumns} FROM messages m WHERE m.folder_id = @f AND m.account_id = @a ORDER BY {PostgresRows.OrderBy(sort)} LIMIT @n OFFSET @o")
                .With("f", folderId).With("a", accountId).With("n", (long)pageSize).With("o", (long)pageIndex * pageSize).ListAsync(MessageRows.ReadSummary).ConfigureAwait(false);
            return new Page<MessageSummary>(items, total, pageIndex, pageSize);
        }, cancellationToken, snapshot: true).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MessageSummary>> GetThreadAsync(long accountId, string threadKey, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql($"SELECT {MessageRows.SummaryColumns} FROM messages m WHERE m.account_id = @a AND m.thread_key = @t ORDER BY m.internal_date, m.id")
            .With("a", accountId).With("t", threadKey).ListAsync(MessageRows.ReadSummary), cancellationToken).ConfigureAwait(false);

    public Task<MessageSummary?> GetSummaryAsync(long accountId, long messageId, CancellationToken cancellationToken) =>
        ReadAsync(unit => unit.Sql($"SELECT {MessageRows.SummaryColumns} FROM messages m WHERE m.id = @id AND m.account_id = @a")
            .With("id", messageId).With("a", accountId).FirstAsync(MessageRows.ReadSummary)!, cancellationToken);

    public async Task<byte[]?> GetRawAsync(long accountId, long messageId, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql("SELECT r.raw FROM message_raw r JOIN messages m ON m.id = r.message_id WHERE m.id = @id AND m.account_id = @a")
            .With("id", messageId).With("a", accountId).ScalarAsync(), cancellationToken).ConfigureAwait(false) as byte[];

    public async Task<Stream?> OpenRawAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        // A one-read reader whose connection goes back to the pool when the stream is disposed.
        var reader = await PostgresRawMessageReader.OpenAsync(database, accountId, cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = await reader.OpenAsync(messageId, owner: reader, sync: false, cancellationToken).ConfigureAwait(false);
            if (stream is null)
                reader.Dispose();
            return stream;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public IRawMessageReader OpenRawReader(long accountId) => new PostgresRawMessageReader(database, accountId);

    public Task<int> SetFlagsAsync(long accountId, IReadOnlyCollection<long> messageIds, MessageFlags flags, bool set, CancellationToken cancellationToken) =>
        messageIds.Count == 0
            ? Task.FromResult(0)
            : WriteAsync(async unit =>
            {
                await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
                return await SetFlagsAsync(unit, accountId, messageIds, flags, set).ConfigureAwait(false);
            }, cancellationToken);

    /// <summary>Inside a write unit: adds or removes flags on the account's messages; returns how many changed.</summary>
    private async Task<int> SetFlagsAsync(PostgresUnit unit, long accountId, IReadOnlyCollection<long> messageIds, MessageFlags flags, bool set)
    {
        var sql = set
            ? "UPDATE messages SET flags = flags | @fl WHERE account_id = @a AND id = ANY(@ids) AND flags & @fl <> @fl RETURNING folder_id"
            : "UPDATE messages SET flags = flags & ~@fl WHERE account_id = @a AND id = ANY(@ids) AND flags & @fl <> 0 RETURNING folder_id";
        var folders = await unit.Sql(sql).With("fl", (long)flags).With("a", accountId).With("ids", messageIds.ToArray()).ListAsync(r => r.GetInt64(0)).ConfigureAwait(false);
        PublishChanged(unit, accountId, folders.Distinct());
        return folders.Count;
    }

    public Task<IReadOnlyList<StoredMessage>> MoveAsync(long accountId, IReadOnlyCollection<long> messageIds, long targetFolderId, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<StoredMessage>>(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            return await MoveWithinAsync(unit, accountId, messageIds, targetFolderId, MessageFlags.None, junkVerdict: true).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Moves the account's messages into the folder, each with a new UID there (as IMAP MOVE does), adding
    /// <paramref name="addFlags"/>. With <paramref name="junkVerdict"/> (a user's move in the web UI) a move in or
    /// out of Junk also sets the junk keywords (<see cref="WellKnownKeywords.ForMove"/>) in the same statement.
    /// </summary>
    private async Task<List<StoredMessage>> MoveWithinAsync(PostgresUnit unit, long accountId, IEnumerable<long> messageIds, long targetFolderId, MessageFlags addFlags, bool junkVerdict = false)
    {
        if (await unit.Sql("SELECT special_use FROM folders WHERE id = @f AND account_id = @a").With("f", targetFolderId).With("a", accountId).LongOrNullAsync().ConfigureAwait(false) is not { } targetUse)
            throw new StoreException("The target folder does not exist.");
        var to = (SpecialFolder)targetUse;
        var moved = new List<StoredMessage>();
        var folders = new HashSet<long> { targetFolderId };
        foreach (var id in messageIds.Distinct())
        {
            var row = await unit.Sql("SELECT m.size, m.folder_id, m.keywords, f.special_use FROM messages m JOIN folders f ON f.id = m.folder_id WHERE m.id = @id AND m.account_id = @a")
                .With("id", id).With("a", accountId).FirstAsync(r => (Found: true, Size: r.GetInt64(0), From: r.GetInt64(1), Keywords: r.GetString(2), FromUse: (SpecialFolder)r.GetInt64(3)))
                .ConfigureAwait(false);
            if (!row.Found || (row.From == targetFolderId && addFlags == MessageFlags.None))
                continue;
            var keywords = row.Keywords;
            if (junkVerdict && WellKnownKeywords.ForMove(row.FromUse, to) is { } edit)
                keywords = edit.ApplyTo(keywords);
            // Every move in or out of Junk (web UI, IMAP MOVE) teaches the spam filter, once committed.
            if (WellKnownKeywords.SpamVerdictForMove(row.FromUse, to) is { } spam)
                unit.AfterCommit(() => notifier.PublishJunkVerdict(new JunkVerdict(accountId, id, spam)));
            var uid = (await PostgresMessageInserter.AllocateUidAsync(unit, accountId, targetFolderId).ConfigureAwait(false))!.Value;
            await unit.Sql("UPDATE messages SET folder_id = @f, uid = @uid, flags = flags | @fl, keywords = @k WHERE id = @id")
                .With("f", targetFolderId).With("uid", uid).With("fl", (long)addFlags).With("k", keywords).With("id", id).ExecuteAsync().ConfigureAwait(false);
            folders.Add(row.From);
            moved.Add(new StoredMessage(id, accountId, targetFolderId, uid, row.Size));
        }
        PublishChanged(unit, accountId, folders);
        return moved;
    }

    /// <summary>Inside a write unit: adds and removes keywords on one of the account's messages; returns whether it changed.</summary>
    private async Task<bool> EditKeywordsAsync(PostgresUnit unit, long accountId, long messageId, KeywordEdit edit)
    {
        var row = await unit.Sql("SELECT keywords, folder_id FROM messages WHERE id = @id AND account_id = @a").With("id", messageId).With("a", accountId)
            .FirstAsync(r => (Found: true, Keywords: r.GetString(0), Folder: r.GetInt64(1))).ConfigureAwait(false);
        if (!row.Found)
            return false;
        var keywords = edit.ApplyTo(row.Keywords);
        if (keywords == row.Keywords)
            return false;
        await unit.Sql("UPDATE messages SET keywords = @k WHERE id = @id").With("k", keywords).With("id", messageId).ExecuteAsync().ConfigureAwait(false);
        PublishChanged(unit, accountId, [row.Folder]);
        return true;
    }

    public Task<int> DeleteAsync(long accountId, IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken) =>
        messageIds.Count == 0 ? Task.FromResult(0) : DeleteWhereAsync(accountId, "id = ANY(@x)", messageIds.ToArray(), cancellationToken);

    public Task<int> ExpungeAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        DeleteWhereAsync(accountId, "folder_id = @x AND (flags & 8) = 8", folderId, cancellationToken);

    public Task<int> EmptyFolderAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        DeleteWhereAsync(accountId, "folder_id = @x", folderId, cancellationToken);

    private Task<int> DeleteWhereAsync(long accountId, string where, object argument, CancellationToken cancellationToken) =>
        WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            return await DeleteWhereAsync(unit, accountId, where, argument).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Inside a write unit: removes the account's messages matching <paramref name="where"/> (<c>@x</c> is <paramref name="argument"/>); returns how many.</summary>
    private async Task<int> DeleteWhereAsync(PostgresUnit unit, long accountId, string where, object argument)
    {
        var folders = await unit.Sql($"DELETE FROM messages WHERE account_id = @a AND {where} RETURNING folder_id").With("a", accountId).With("x", argument)
            .ListAsync(r => r.GetInt64(0)).ConfigureAwait(false);
        PublishChanged(unit, accountId, folders.Distinct());
        return folders.Count;
    }

    public async Task<IReadOnlyList<MaildropEntry>> GetMaildropAsync(long accountId, CancellationToken cancellationToken) =>
        // The size is what a POP3 client receives (RFC 1939 §5): the stored bytes, plus the CRLF POP3 sends after
        // a message whose last line has no line break (PostgresMessageInserter.IsUnterminated).
        await ReadAsync(unit => unit.Sql("SELECT id, size + CASE WHEN unterminated THEN 2 ELSE 0 END FROM messages WHERE folder_id = (SELECT id FROM folders WHERE account_id = @a AND special_use = @inbox) ORDER BY uid")
            .With("a", accountId).With("inbox", (long)SpecialFolder.Inbox)
            .ListAsync(r => new MaildropEntry(r.GetInt64(0), r.GetInt64(1), r.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture))), cancellationToken).ConfigureAwait(false);

    public Task CommitPop3UpdateAsync(long accountId, IReadOnlyCollection<long> deletedIds, IReadOnlyCollection<long> retrievedIds, Pop3DeletePolicy policy, CancellationToken cancellationToken) =>
        WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            var inbox = await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, SpecialFolder.Inbox).ConfigureAwait(false);
            var seen = retrievedIds.Concat(policy == Pop3DeletePolicy.Keep ? deletedIds : []).Distinct().ToArray();
            if (seen.Length > 0)
            {
                await unit.Sql("UPDATE messages SET flags = flags | 1 WHERE account_id = @a AND folder_id = @f AND id = ANY(@ids) AND (flags & 1) = 0")
                    .With("a", accountId).With("f", inbox).With("ids", seen).ExecuteAsync().ConfigureAwait(false);
            }
            if (deletedIds.Count > 0 && policy == Pop3DeletePolicy.Delete)
            {
                await unit.Sql("DELETE FROM messages WHERE account_id = @a AND folder_id = @f AND id = ANY(@ids)")
                    .With("a", accountId).With("f", inbox).With("ids", deletedIds.ToArray()).ExecuteAsync().ConfigureAwait(false);
            }
            else if (deletedIds.Count > 0 && policy == Pop3DeletePolicy.Trash)
            {
                var stillInInbox = await unit.Sql("SELECT id FROM messages WHERE account_id = @a AND folder_id = @f AND id = ANY(@ids)")
                    .With("a", accountId).With("f", inbox).With("ids", deletedIds.ToArray()).ListAsync(r => r.GetInt64(0)).ConfigureAwait(false);
                var trash = await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, SpecialFolder.Trash).ConfigureAwait(false);
                await MoveWithinAsync(unit, accountId, stillInInbox, trash, MessageFlags.Seen).ConfigureAwait(false);
            }
            PublishChanged(unit, accountId, [inbox]);
        }, cancellationToken);

    public async Task<IReadOnlyList<string>> SuggestAddressesAsync(long accountId, string prefix, int limit, CancellationToken cancellationToken)
    {
        var suggestions = new AddressSuggestions();
        return await ReadAsync(async unit =>
        {
            foreach (var (address, count, name) in await unit.Sql(
                    "SELECT lower(from_address), count(*), max(from_name) FROM messages WHERE account_id = @a AND from_address <> '' GROUP BY lower(from_address) ORDER BY count(*) DESC LIMIT 1000")
                .With("a", accountId).ListAsync(r => (r.GetString(0), (int)r.GetInt64(1), r.IsDBNull(2) ? "" : r.GetString(2))).ConfigureAwait(false))
                suggestions.AddSender(address, count, name);
            // Recipients of the account's most recent sent mail.
            foreach (var recipients in await unit.Sql(
                    "SELECT m.to_addresses || ', ' || m.cc_addresses FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.account_id = @a AND f.special_use = @sent ORDER BY m.id DESC LIMIT 1000")
                .With("a", accountId).With("sent", (long)SpecialFolder.Sent).ListAsync(r => r.GetString(0)).ConfigureAwait(false))
                suggestions.AddRecipients(recipients);
            return suggestions.Rank(prefix, limit);
        }, cancellationToken).ConfigureAwait(false);
    }

    private void PublishChanged(PostgresUnit unit, long accountId, IEnumerable<long> folderIds)
    {
        foreach (var folderId in folderIds)
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
    }

}
