using System.Text;
using Npgsql;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The IMAP server's view of the store (<see cref="IImapStore"/>): everything by folder and UID.</summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>Folders at least this large keep their last snapshot (<see cref="SnapshotAsync"/>).</summary>
    private const int SnapshotCacheThreshold = 1_000;

    /// <summary>
    /// The last snapshot of each large folder, valid while its highest modseq stands. The check reads the folder's row
    /// from the database each time, so a change made through another node invalidates it too.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, FolderSnapshot> _snapshots = new();

    /// <summary>The columns every <see cref="ImapMessage"/> is read with (<see cref="ImapMessageParts.None"/>), first in the row.</summary>
    private const string BaseColumns = "m.id, m.uid, m.flags, m.keywords, m.modseq";

    private static ImapMessage BaseRow(NpgsqlDataReader reader) => new(
        Id: reader.GetInt64(0), Uid: reader.GetInt64(1), Flags: (MessageFlags)reader.GetInt64(2), Keywords: reader.GetString(3),
        InternalDate: default, Size: 0, Modseq: reader.GetInt64(4), SentDate: null, From: "", To: "", Cc: "", Subject: "", Structure: null);

    /// <summary>The address and subject columns (SEARCH).</summary>
    private const string AddressColumns =
        ", CASE WHEN m.from_name = '' THEN m.from_address ELSE m.from_name || ' <' || m.from_address || '>' END, m.to_addresses, m.cc_addresses, m.subject";

    public Task<FolderSnapshot?> SnapshotAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        // One REPEATABLE READ transaction: the UIDs and the folder's counters describe the same instant.
        ReadAsync(async unit =>
        {
            var folder = await ReadFolderAsync(unit, accountId, folderId).ConfigureAwait(false);
            if (folder is null)
                return null;
            // Every change to a folder's UIDs or keywords raises its highest modseq (the schema's triggers):
            // while it stands, the UIDs and keywords read at it still hold.
            if (_snapshots.TryGetValue(folderId, out var known) && known.Folder.HighestModseq == folder.HighestModseq && known.Folder.UidValidity == folder.UidValidity)
                return known with { Folder = folder };
            var runs = await UidRunsAsync(unit, folderId).ConfigureAwait(false);
            var keywords = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var list in await unit.Sql("SELECT DISTINCT keywords FROM messages WHERE folder_id = @f AND keywords <> ''").With("f", folderId)
                         .ListAsync(r => r.GetString(0)).ConfigureAwait(false))
                keywords.UnionWith(Keywords.Parse(list));
            var snapshot = new FolderSnapshot(folder, runs, keywords.ToList());
            // Kept for the next SELECT of a large folder (a phone reconnecting): bounded in count, small each (runs, not UIDs).
            if (folder.MessageCount >= SnapshotCacheThreshold && runs.Count <= 10_000)
            {
                if (_snapshots.Count >= 10_000)
                    _snapshots.Clear();
                _snapshots[folderId] = snapshot;
            }
            return snapshot;
        }, cancellationToken, snapshot: true);

    /// <summary>A folder's UIDs as ascending runs.</summary>
    private static async Task<List<(long First, int Length)>> UidRunsAsync(PostgresUnit unit, long folderId)
    {
        var runs = new List<(long First, int Length)>();
        foreach (var uid in await unit.Sql("SELECT uid FROM messages WHERE folder_id = @f ORDER BY uid").With("f", folderId).ListAsync(r => r.GetInt64(0)).ConfigureAwait(false))
        {
            if (runs.Count > 0 && runs[^1].First + runs[^1].Length == uid)
                runs[^1] = (runs[^1].First, runs[^1].Length + 1);
            else
                runs.Add((uid, 1));
        }
        return runs;
    }

    public Task<int> CompactExpungeLogAsync(int keepPerFolder, CancellationToken cancellationToken) =>
        WriteAsync(async unit =>
        {
            // The floor of a folder with too many rows: the modseq of the newest row not kept.
            await unit.Sql("UPDATE folders SET expunge_floor = greatest(expunge_floor, (SELECT modseq FROM expunged WHERE folder_id = folders.id ORDER BY modseq DESC LIMIT 1 OFFSET @keep)) " +
                    "WHERE id IN (SELECT folder_id FROM expunged GROUP BY folder_id HAVING count(*) > @keep)")
                .With("keep", (long)Math.Max(0, keepPerFolder)).ExecuteAsync().ConfigureAwait(false);
            return await unit.Sql("DELETE FROM expunged e USING folders f WHERE f.id = e.folder_id AND e.modseq <= f.expunge_floor").ExecuteAsync().ConfigureAwait(false);
        }, cancellationToken);

    public Task<FolderChanges?> ChangesSinceAsync(long accountId, long folderId, long sinceModseq, CancellationToken cancellationToken) =>
        ReadAsync(async unit =>
        {
            var folder = await ReadFolderAsync(unit, accountId, folderId).ConfigureAwait(false);
            if (folder is null)
                return null;
            var changed = new List<FlagState>();
            var expunged = new List<long>();
            if (folder.HighestModseq > sinceModseq)
            {
                changed = await unit.Sql("SELECT uid, flags, keywords, modseq FROM messages WHERE folder_id = @f AND modseq > @m ORDER BY uid")
                    .With("f", folderId).With("m", sinceModseq).ListAsync(ReadFlagState).ConfigureAwait(false);
                expunged = await unit.Sql("SELECT uid FROM expunged WHERE folder_id = @f AND modseq > @m ORDER BY uid")
                    .With("f", folderId).With("m", sinceModseq).ListAsync(r => r.GetInt64(0)).ConfigureAwait(false);
            }
            // The log no longer reaches back that far: what left is found against the UIDs present.
            var present = folder.ExpungeFloor > sinceModseq ? await UidRunsAsync(unit, folderId).ConfigureAwait(false) : null;
            return new FolderChanges(folder, changed, expunged, present);
        }, cancellationToken, snapshot: true);

    private static FlagState ReadFlagState(NpgsqlDataReader r) => new(r.GetInt64(0), (MessageFlags)r.GetInt64(1), r.GetString(2), r.GetInt64(3));

    public async Task<long> CountDeletedAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql("SELECT count(*) FROM messages WHERE folder_id = @f AND account_id = @a AND flags & @d <> 0")
            .With("f", folderId).With("a", accountId).With("d", (long)MessageFlags.Deleted).LongAsync(), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<ImapMessage>> GetMessagesAsync(long accountId, long folderId, IReadOnlyList<long> uids, ImapMessageParts parts, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
            return [];
        // Ascending UIDs that fill most of their range (a FETCH 1:* chunk) are read as the range, an index walk;
        // a scattered set through the array.
        var (low, high) = (uids.Min(), uids.Max());
        var asRange = high - low < 2L * uids.Count;
        var wanted = asRange && high - low + 1 != uids.Count ? new HashSet<long>(uids) : null;
        var views = new[] { (ImapMessageParts.Envelope, "i.envelope"), (ImapMessageParts.BodyStructure, "i.body_structure"), (ImapMessageParts.Body, "i.body") }
            .Where(v => parts.HasFlag(v.Item1)).ToList();
        int envelopeAt = views.FindIndex(v => v.Item1 == ImapMessageParts.Envelope), bodyStructureAt = views.FindIndex(v => v.Item1 == ImapMessageParts.BodyStructure),
            bodyAt = views.FindIndex(v => v.Item1 == ImapMessageParts.Body);
        var sql = new StringBuilder("SELECT " + BaseColumns);
        if (parts.HasFlag(ImapMessageParts.Details))
            sql.Append(", m.internal_date, m.size, m.sent_date");
        if (parts.HasFlag(ImapMessageParts.Addresses))
            sql.Append(AddressColumns);
        if (parts.HasFlag(ImapMessageParts.Preview))
            sql.Append(", m.preview");
        if (parts.HasFlag(ImapMessageParts.Thread))
            sql.Append(", m.thread_key");
        if (views.Count > 0)
            sql.Append(", i.message_id IS NOT NULL").Append(string.Concat(views.Select(v => ", " + v.Item2)));
        sql.Append(" FROM messages m").Append(views.Count > 0 ? " LEFT JOIN message_imap i ON i.message_id = m.id" : "")
            .Append(" WHERE m.folder_id = @f AND m.account_id = @a AND ")
            .Append(asRange ? "m.uid BETWEEN @lo AND @hi" : "m.uid = ANY(@u)").Append(" ORDER BY m.uid");
        return await ReadAsync<IReadOnlyList<ImapMessage>>(async unit =>
        {
            var statement = unit.Sql(sql.ToString()).With("f", folderId).With("a", accountId);
            statement = asRange ? statement.With("lo", low).With("hi", high) : statement.With("u", uids.ToArray());
            var rows = await statement.ListAsync(reader =>
            {
                if (wanted is not null && !wanted.Contains(reader.GetInt64(1)))
                    return null;
                if (parts == ImapMessageParts.None)
                    return BaseRow(reader);
                var column = 5;
                DateTimeOffset internalDate = default;
                DateTimeOffset? sent = null;
                long size = 0;
                if (parts.HasFlag(ImapMessageParts.Details))
                {
                    internalDate = PostgresRows.FromUnixMs(reader.GetInt64(column));
                    size = reader.GetInt64(column + 1);
                    sent = PostgresRows.FromUnixMsOrNull(reader, column + 2);
                    column += 3;
                }
                string from = "", to = "", cc = "", subject = "";
                if (parts.HasFlag(ImapMessageParts.Addresses))
                {
                    (from, to, cc, subject) = (reader.GetString(column), reader.GetString(column + 1), reader.GetString(column + 2), reader.GetString(column + 3));
                    column += 4;
                }
                var preview = parts.HasFlag(ImapMessageParts.Preview) ? reader.GetString(column++) : "";
                var threadKey = parts.HasFlag(ImapMessageParts.Thread) ? reader.GetString(column++) : "";
                MessageStructure? structure = null;
                if (views.Count > 0 && reader.GetBoolean(column))
                {
                    structure = new MessageStructure(
                        envelopeAt < 0 ? "" : reader.GetString(column + 1 + envelopeAt),
                        bodyStructureAt < 0 ? "" : reader.GetString(column + 1 + bodyStructureAt),
                        bodyAt < 0 ? "" : reader.GetString(column + 1 + bodyAt));
                }
                return BaseRow(reader) with
                {
                    InternalDate = internalDate,
                    Size = size,
                    SentDate = sent,
                    From = from,
                    To = to,
                    Cc = cc,
                    Subject = subject,
                    Structure = structure,
                    Preview = preview,
                    ThreadKey = threadKey,
                };
            }).ConfigureAwait(false);
            return rows.OfType<ImapMessage>().ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The PostgreSQL index holds whole tokens only; IMAP SEARCH's substring matching (RFC 9051 §6.4.4) is answered
    /// by the IMAP server checking every message (null: the index cannot narrow the search).
    /// </summary>
    public Task<TextCandidates?> TextCandidatesAsync(long accountId, long folderId, SearchTextField field, string value, CancellationToken cancellationToken) =>
        Task.FromResult<TextCandidates?>(null);

    public Task SaveStructureAsync(long accountId, long messageId, MessageStructure structure, CancellationToken cancellationToken) =>
        WriteAsync(unit => unit.Sql("INSERT INTO message_imap (message_id, envelope, body_structure, body) " +
                    "SELECT id, @e, @bs, @b FROM messages WHERE id = @id AND account_id = @a " +
                    "ON CONFLICT (message_id) DO UPDATE SET envelope = excluded.envelope, body_structure = excluded.body_structure, body = excluded.body")
                .With("id", messageId).With("a", accountId).With("e", structure.Envelope)
                .With("bs", structure.BodyStructure).With("b", structure.Body).ExecuteAsync(), cancellationToken);

    public Task<FlagChangeResult> StoreFlagsAsync(long accountId, long folderId, IReadOnlyList<long> uids, FlagChange change, long? unchangedSince, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
            return Task.FromResult(new FlagChangeResult([], []));
        var uidArray = uids.ToArray();
        return WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            // FOR UPDATE: the UNCHANGEDSINCE comparison and the write see the same row (another node may store flags at once).
            var current = await unit.Sql("SELECT id, uid, flags, keywords, modseq FROM messages WHERE folder_id = @f AND account_id = @a AND uid = ANY(@u) ORDER BY uid FOR UPDATE")
                .With("f", folderId).With("a", accountId).With("u", uidArray)
                .ListAsync(r => (Id: r.GetInt64(0), Uid: r.GetInt64(1), Flags: (MessageFlags)r.GetInt64(2), Keywords: r.GetString(3), Modseq: r.GetInt64(4))).ConfigureAwait(false);
            var modified = new List<long>();
            var changedIds = new List<long>();
            foreach (var message in current)
            {
                // RFC 7162 §3.1.3: a message changed after UNCHANGEDSINCE is not touched, and reported.
                if (unchangedSince is { } since && message.Modseq > since)
                {
                    modified.Add(message.Uid);
                    continue;
                }
                var (flags, keywords) = change.ApplyTo(message.Flags, message.Keywords);
                if (flags == message.Flags && keywords == message.Keywords)
                    continue;
                await unit.Sql("UPDATE messages SET flags = @fl, keywords = @k WHERE id = @id").With("fl", (long)flags).With("k", keywords).With("id", message.Id).ExecuteAsync().ConfigureAwait(false);
                changedIds.Add(message.Id);
            }
            var changed = new List<FlagState>();
            if (changedIds.Count > 0)
            {
                changed = await unit.Sql("SELECT uid, flags, keywords, modseq FROM messages WHERE id = ANY(@ids) ORDER BY uid").With("ids", changedIds.ToArray())
                    .ListAsync(ReadFlagState).ConfigureAwait(false);
                PublishChanged(unit, accountId, [folderId]);
            }
            return new FlagChangeResult(changed, modified);
        }, cancellationToken);
    }

    public async Task<UidMapping> CopyAsync(long accountId, long folderId, IReadOnlyList<long> uids, long targetFolderId, CancellationToken cancellationToken)
    {
        // Parsed before the unit (the copies need their own search documents and IMAP views).
        var sources = await GetMessagesAsync(accountId, folderId, uids, ImapMessageParts.Details, cancellationToken).ConfigureAwait(false);
        var copies = new List<(ImapMessage Message, byte[] Raw, ParsedMessage Parsed)>(sources.Count);
        foreach (var source in sources)
        {
            if (await GetRawAsync(accountId, source.Id, cancellationToken).ConfigureAwait(false) is { } raw)
                copies.Add((source, raw, MessageParser.Parse(raw, MaxMimeDepth)));
        }
        return await WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            var target = await RequireFolderAsync(unit, accountId, targetFolderId).ConfigureAwait(false);
            if (await PostgresMessageInserter.OverQuotaAsync(unit, accountId, copies.Sum(c => c.Raw.LongLength)).ConfigureAwait(false))
                throw new QuotaExceededException(await AddressOfAsync(unit, accountId).ConfigureAwait(false));
            var from = new List<long>(copies.Count);
            var to = new List<long>(copies.Count);
            // A copy into Junk, or out of it (an IMAP client's COPY + EXPUNGE move), teaches the spam filter as a move does.
            var spam = WellKnownKeywords.SpamVerdictForMove(await SpecialUseOfAsync(unit, folderId).ConfigureAwait(false), await SpecialUseOfAsync(unit, targetFolderId).ConfigureAwait(false));
            foreach (var (message, raw, parsed) in copies)
            {
                var stored = await PostgresMessageInserter.InsertAsync(unit, accountId, targetFolderId, raw, parsed, message.Flags, message.InternalDate, message.Keywords).ConfigureAwait(false);
                from.Add(message.Uid);
                to.Add(stored.Uid);
                if (spam is { } verdict)
                    unit.AfterCommit(() => notifier.PublishJunkVerdict(new JunkVerdict(accountId, stored.Id, verdict)));
            }
            if (to.Count > 0)
                unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, targetFolderId)));
            return new UidMapping(target, from, to);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<UidMapping> MoveAsync(long accountId, long folderId, IReadOnlyList<long> uids, long targetFolderId, CancellationToken cancellationToken)
    {
        var uidArray = uids.ToArray();
        return WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            var target = await RequireFolderAsync(unit, accountId, targetFolderId).ConfigureAwait(false);
            var sources = await unit.Sql("SELECT id, uid FROM messages WHERE folder_id = @f AND account_id = @a AND uid = ANY(@u) ORDER BY uid")
                .With("f", folderId).With("a", accountId).With("u", uidArray).ListAsync(r => (Id: r.GetInt64(0), Uid: r.GetInt64(1))).ConfigureAwait(false);
            var moved = await MoveWithinAsync(unit, accountId, sources.Select(s => s.Id), targetFolderId, MessageFlags.None).ConfigureAwait(false);
            var newUid = moved.ToDictionary(m => m.Id, m => m.Uid);
            var from = sources.Where(s => newUid.ContainsKey(s.Id)).ToList();
            return new UidMapping(target, from.Select(s => s.Uid).ToList(), from.Select(s => newUid[s.Id]).ToList());
        }, cancellationToken);
    }

    public Task<IReadOnlyList<long>> ExpungeAsync(long accountId, long folderId, IReadOnlyList<long>? uids, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<long>>(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            var statement = unit.Sql($"DELETE FROM messages WHERE folder_id = @f AND account_id = @a AND (flags & 8) = 8{(uids is null ? "" : " AND uid = ANY(@u)")} RETURNING uid")
                .With("f", folderId).With("a", accountId);
            if (uids is not null)
                statement = statement.With("u", uids.ToArray());
            var expunged = await statement.ListAsync(r => r.GetInt64(0)).ConfigureAwait(false);
            expunged.Sort();
            if (expunged.Count > 0)
                PublishChanged(unit, accountId, [folderId]);
            return expunged;
        }, cancellationToken);

    public async Task<StoredMessage> AppendAsync(long accountId, long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, IReadOnlyCollection<string> keywords, DateTimeOffset? internalDate, CancellationToken cancellationToken)
    {
        var bytes = RawBytes.AsArray(raw);
        var parsed = MessageParser.Parse(bytes, MaxMimeDepth);
        var date = internalDate ?? time.GetUtcNow();
        var words = Keywords.Apply("", FlagChangeMode.Replace, keywords);
        using var turn = await _appendTurns.TakeAsync(accountId, cancellationToken).ConfigureAwait(false);
        return await WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            await RequireFolderAsync(unit, accountId, folderId).ConfigureAwait(false);
            if (await PostgresMessageInserter.OverQuotaAsync(unit, accountId, bytes.LongLength).ConfigureAwait(false))
                throw new QuotaExceededException(await AddressOfAsync(unit, accountId).ConfigureAwait(false));
            var stored = await PostgresMessageInserter.InsertAsync(unit, accountId, folderId, bytes, parsed, flags, date, words).ConfigureAwait(false);
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Folder> CreateFolderPathAsync(long accountId, IReadOnlyList<string> path, CancellationToken cancellationToken)
    {
        if (path.Count == 0)
            throw new StoreException("A folder name is needed.");
        var names = path.Select(FolderName.Validate).ToList();
        var id = await WriteAsync(async unit =>
        {
            long? parent = null;
            var created = false;
            for (var i = 0; i < names.Count; i++)
            {
                var existing = i == 0 && names[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                    ? await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, SpecialFolder.Inbox).ConfigureAwait(false)
                    : await FindChildAsync(unit, accountId, parent, names[i]).ConfigureAwait(false);
                if (existing is { } known && i < names.Count - 1)
                {
                    parent = known;
                    continue;
                }
                if (existing is not null)
                    throw new StoreException($"A folder named '{string.Join('/', names)}' already exists.");
                parent = await InsertFolderAsync(unit, accountId, parent, names[i]).ConfigureAwait(false);
                created = true;
            }
            var last = parent!.Value;
            if (created)
                unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, last)));
            return last;
        }, cancellationToken).ConfigureAwait(false);
        return (await GetFolderAsync(accountId, id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The account's folder of that name (without case) under <paramref name="parent"/> (null: the top level).</summary>
    private static Task<long?> FindChildAsync(PostgresUnit unit, long accountId, long? parent, string name) =>
        unit.Sql("SELECT id FROM folders WHERE account_id = @a AND coalesce(parent_id, 0) = @p AND name = @n")
            .With("a", accountId).With("p", parent ?? 0).With("n", name).LongOrNullAsync();

    public Task MoveFolderAsync(long accountId, long folderId, long? parentId, string name, CancellationToken cancellationToken)
    {
        name = FolderName.Validate(name);
        return WriteAsync(async unit =>
        {
            await RequireUserFolderAsync(unit, accountId, folderId, "renamed").ConfigureAwait(false);
            if (parentId is { } parent)
            {
                await RequireFolderAsync(unit, accountId, parent).ConfigureAwait(false);
                // A folder cannot move under itself or one of its own subfolders.
                for (long? at = parent; at is { } current; at = await unit.Sql("SELECT parent_id FROM folders WHERE id = @f").With("f", current).LongOrNullAsync().ConfigureAwait(false))
                {
                    if (current == folderId)
                        throw new StoreException("A folder cannot move into itself.");
                }
            }
            await EnsureNameFreeAsync(unit, accountId, parentId, name, folderId).ConfigureAwait(false);
            await unit.Sql("UPDATE folders SET name = @n, parent_id = @p WHERE id = @f").With("n", name).With("p", parentId).With("f", folderId).ExecuteAsync().ConfigureAwait(false);
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
        }, cancellationToken);
    }

    public Task SetSubscribedAsync(long accountId, long folderId, bool subscribed, CancellationToken cancellationToken) =>
        WriteAsync(unit => unit.Sql("UPDATE folders SET subscribed = @s WHERE id = @f AND account_id = @a")
            .With("s", subscribed).With("f", folderId).With("a", accountId).ExecuteAsync(), cancellationToken);

    private static async Task<SpecialFolder> SpecialUseOfAsync(PostgresUnit unit, long folderId) =>
        await unit.Sql("SELECT special_use FROM folders WHERE id = @f").With("f", folderId).LongOrNullAsync().ConfigureAwait(false) is { } use
            ? (SpecialFolder)use
            : SpecialFolder.None;

    /// <summary>The folder's UIDVALIDITY; throws when it is not the account's.</summary>
    private static async Task<long> RequireFolderAsync(PostgresUnit unit, long accountId, long folderId) =>
        await unit.Sql("SELECT uid_validity FROM folders WHERE id = @f AND account_id = @a").With("f", folderId).With("a", accountId).LongOrNullAsync().ConfigureAwait(false)
            ?? throw new StoreException("The folder does not exist.");
}
