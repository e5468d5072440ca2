using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The IMAP server's view of the store (<see cref="IImapStore"/>): everything by folder and UID.</summary>
public sealed partial class SqliteMessageStore
{
    /// <summary>The full-text indexes' vocabularies, by index (substring search, <see cref="FtsVocabulary"/>).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FtsVocabulary> _vocabularies = new();

    /// <summary>Folders at least this large keep their last snapshot (<see cref="SnapshotAsync"/>).</summary>
    private const int SnapshotCacheThreshold = 1_000;

    /// <summary>The last snapshot of each large folder, valid while its highest modseq stands.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, FolderSnapshot> _snapshots = new();

    /// <summary>Folders at least this large (and at most half of <see cref="MaxIndexedMessages"/>) are read through a <see cref="FolderIndex"/>.</summary>
    private const int IndexThreshold = 1_000;

    /// <summary>The most messages held in folder indexes in all (about 50 bytes each); the least recently used folders go first.</summary>
    private const int MaxIndexedMessages = 1_000_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, FolderIndex> _indexes = new();

    /// <summary>Whether the folder is read through a <see cref="FolderIndex"/>: large, but not too large to hold.</summary>
    private static bool IsIndexed(Folder folder) => folder.MessageCount >= IndexThreshold && folder.MessageCount <= MaxIndexedMessages / 2;

    /// <summary>
    /// Runs <paramref name="read"/> on the folder's index, brought up to the state the transaction sees;
    /// null (nothing run) when the folder is not <see cref="IsIndexed"/>.
    /// </summary>
    private T? WithIndex<T>(SqliteConnection connection, SqliteTransaction? transaction, Folder folder, Func<FolderIndex, T> read) where T : class
    {
        if (!IsIndexed(folder))
            return null;
        var result = _indexes.GetOrAdd(folder.Id, id => new FolderIndex(id)).Read(connection, transaction, folder, read);
        var held = _indexes.Values.Sum(i => (long)i.Count);
        foreach (var (id, index) in held > MaxIndexedMessages ? _indexes.OrderBy(p => p.Value.LastUsed).ToList() : [])
        {
            if (held <= MaxIndexedMessages)
                break;
            if (id != folder.Id && _indexes.TryRemove(id, out _))
                held -= index.Count;
        }
        return result;
    }

    /// <summary>The columns every <see cref="ImapMessage"/> is read with (<see cref="ImapMessageParts.None"/>), first in the row.</summary>
    private const string BaseColumns = "m.id, m.uid, m.flags, m.keywords, m.modseq";

    private static ImapMessage BaseRow(SqliteDataReader reader) => new(
        Id: reader.GetInt64(0), Uid: reader.GetInt64(1), Flags: (MessageFlags)reader.GetInt32(2), Keywords: reader.GetString(3),
        InternalDate: default, Size: 0, Modseq: reader.GetInt64(4), SentDate: null, From: "", To: "", Cc: "", Subject: "", Structure: null);

    /// <summary>The address and subject columns (SEARCH).</summary>
    private const string AddressColumns =
        ", CASE WHEN m.from_name = '' THEN m.from_address ELSE m.from_name || ' <' || m.from_address || '>' END, m.to_addresses, m.cc_addresses, m.subject";

    public async Task<FolderSnapshot?> SnapshotAsync(long accountId, long folderId, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            // One read transaction: the UIDs and the folder's counters describe the same instant.
            using var transaction = connection.BeginTransaction(deferred: true);
            var folder = await ReadFolderAsync(connection, transaction, accountId, folderId, cancellationToken).ConfigureAwait(false);
            if (folder is null)
                return null;
            // Every change to a folder's UIDs or keywords raises its highest modseq (migration 0007's
            // triggers): while it stands, the UIDs and keywords read at it still hold.
            if (_snapshots.TryGetValue(folderId, out var known) && known.Folder.HighestModseq == folder.HighestModseq && known.Folder.UidValidity == folder.UidValidity)
                return known with { Folder = folder };
            var runs = await UidRunsAsync(connection, transaction, folderId, cancellationToken).ConfigureAwait(false);
            var keywords = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            using (var command = connection.CreateCommand())
            {
                // The keywords in use, from the partial index messages_folder_keywords.
                command.Transaction = transaction;
                command.CommandText = "SELECT DISTINCT keywords FROM messages WHERE folder_id = $f AND keywords <> ''";
                command.With("$f", folderId);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (reader.Read())
                    keywords.UnionWith(Keywords.Parse(reader.GetString(0)));
            }
            var snapshot = new FolderSnapshot(folder, runs, keywords.ToList());
            // Kept for the next SELECT of a large folder (a phone reconnecting): bounded in count, small each (runs, not UIDs).
            if (folder.MessageCount >= SnapshotCacheThreshold && runs.Count <= 10_000)
            {
                if (_snapshots.Count >= 10_000)
                    _snapshots.Clear();
                _snapshots[folderId] = snapshot;
            }
            return snapshot;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A folder's UIDs as ascending runs, from the covering index messages_folder_uid (no messages row is read).</summary>
    private static async Task<List<(long First, int Length)>> UidRunsAsync(SqliteConnection connection, SqliteTransaction transaction, long folderId, CancellationToken cancellationToken)
    {
        var runs = new List<(long First, int Length)>();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT uid FROM messages WHERE folder_id = $f ORDER BY uid";
        command.With("$f", folderId);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (reader.Read())
        {
            var uid = reader.GetInt64(0);
            if (runs.Count > 0 && runs[^1].First + runs[^1].Length == uid)
                runs[^1] = (runs[^1].First, runs[^1].Length + 1);
            else
                runs.Add((uid, 1));
        }
        return runs;
    }

    public Task<int> CompactExpungeLogAsync(int keepPerFolder, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context =>
        {
            // The floor of a folder with too many rows: the modseq of the newest row not kept.
            context.Command("UPDATE folders SET expunge_floor = max(expunge_floor, (SELECT modseq FROM expunged WHERE folder_id = folders.id ORDER BY modseq DESC LIMIT 1 OFFSET $keep)) " +
                    "WHERE id IN (SELECT folder_id FROM expunged GROUP BY folder_id HAVING count(*) > $keep)")
                .With("$keep", Math.Max(0, keepPerFolder)).ExecuteNonQuery();
            return context.Command("DELETE FROM expunged WHERE modseq <= (SELECT expunge_floor FROM folders WHERE id = expunged.folder_id)").ExecuteNonQuery();
        }, WriteKind.ChangesOrRemoves, cancellationToken);

    public async Task<FolderChanges?> ChangesSinceAsync(long accountId, long folderId, long sinceModseq, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            var folder = await ReadFolderAsync(connection, transaction, accountId, folderId, cancellationToken).ConfigureAwait(false);
            if (folder is null)
                return null;
            var changed = new List<FlagState>();
            var expunged = new List<long>();
            if (folder.HighestModseq > sinceModseq)
            {
                using (var command = connection.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = "SELECT uid, flags, keywords, modseq FROM messages WHERE folder_id = $f AND modseq > $m ORDER BY uid";
                    command.With("$f", folderId).With("$m", sinceModseq);
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (reader.Read())
                        changed.Add(new FlagState(reader.GetInt64(0), (MessageFlags)reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3)));
                }
                using (var command = connection.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = "SELECT uid FROM expunged WHERE folder_id = $f AND modseq > $m ORDER BY uid";
                    command.With("$f", folderId).With("$m", sinceModseq);
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (reader.Read())
                        expunged.Add(reader.GetInt64(0));
                }
            }
            // The log no longer reaches back that far: what left is found against the UIDs present.
            var present = folder.ExpungeFloor > sinceModseq ? await UidRunsAsync(connection, transaction, folderId, cancellationToken).ConfigureAwait(false) : null;
            return new FolderChanges(folder, changed, expunged, present);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Folder?> ReadFolderAsync(SqliteConnection connection, SqliteTransaction? transaction, long accountId, long folderId, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {MessageRows.FolderColumns} FROM folders WHERE id = $f AND account_id = $a";
        command.With("$f", folderId).With("$a", accountId);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return reader.Read() ? MessageRows.ReadFolder(reader) : null;
    }

    public async Task<long> CountDeletedAsync(long accountId, long folderId, CancellationToken cancellationToken) =>
        (await database.QueryAsync("SELECT count(*) FROM messages WHERE folder_id = $f AND account_id = $a AND flags & $d <> 0",
            reader => reader.GetInt64(0), cancellationToken, ("$f", folderId), ("$a", accountId), ("$d", (int)MessageFlags.Deleted)).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<ImapMessage>> GetMessagesAsync(long accountId, long folderId, IReadOnlyList<long> uids, ImapMessageParts parts, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
            return [];
        // Ascending UIDs that fill most of their range (a FETCH 1:* chunk) are read as the range, an
        // index walk; a scattered set through the list.
        var (low, high) = (uids.Min(), uids.Max());
        var asRange = high - low < 2L * uids.Count;
        var wanted = asRange && high - low + 1 != uids.Count ? new HashSet<long>(uids) : null;
        // Only the columns asked for: each one read costs a native call on every row.
        var views = new[] { (ImapMessageParts.Envelope, "i.envelope"), (ImapMessageParts.BodyStructure, "i.body_structure"), (ImapMessageParts.Body, "i.body") }
            .Where(v => parts.HasFlag(v.Item1)).ToList();
        int envelopeAt = views.FindIndex(v => v.Item1 == ImapMessageParts.Envelope), bodyStructureAt = views.FindIndex(v => v.Item1 == ImapMessageParts.BodyStructure),
            bodyAt = views.FindIndex(v => v.Item1 == ImapMessageParts.Body);
        var sql = new StringBuilder("SELECT " + BaseColumns);
        var indexed = parts == ImapMessageParts.None;
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
            .Append(" WHERE m.folder_id = $f AND m.account_id = $a AND ")
            .Append(asRange ? "m.uid BETWEEN $lo AND $hi" : "m.uid IN (SELECT value FROM json_each($u))").Append(" ORDER BY m.uid");
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            // Rows of nothing but flags and keywords: a large folder answers them from its index.
            if (indexed)
            {
                if (await ReadFolderAsync(connection, null, accountId, folderId, cancellationToken).ConfigureAwait(false) is not { } folder)
                    return [];
                if (WithIndex(connection, null, folder, index => index.Messages(uids)) is { } held)
                    return held;
            }
            using var command = connection.CreateCommand();
            command.CommandText = sql.ToString();
            command.With("$f", folderId).With("$a", accountId);
            if (asRange)
                command.With("$lo", low).With("$hi", high);
            else
                command.With("$u", JsonSerializer.Serialize(uids));
            var list = new List<ImapMessage>(uids.Count);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (reader.Read())
            {
                if (wanted is not null && !wanted.Contains(reader.GetInt64(1)))
                    continue;
                var column = 5;
                DateTimeOffset internalDate = default;
                DateTimeOffset? sent = null;
                long size = 0;
                if (parts.HasFlag(ImapMessageParts.Details))
                {
                    internalDate = SqlExtensions.FromUnixMs(reader.GetInt64(column));
                    size = reader.GetInt64(column + 1);
                    sent = reader.FromUnixMsOrNull(column + 2);
                    column += 3;
                }
                string from = "", to = "", cc = "", subject = "";
                if (parts.HasFlag(ImapMessageParts.Addresses))
                {
                    (from, to, cc, subject) = (reader.GetString(column), reader.GetString(column + 1), reader.GetString(column + 2), reader.GetString(column + 3));
                    column += 4;
                }
                var preview = "";
                if (parts.HasFlag(ImapMessageParts.Preview))
                    preview = reader.GetString(column++);
                var threadKey = "";
                if (parts.HasFlag(ImapMessageParts.Thread))
                    threadKey = reader.GetString(column++);
                MessageStructure? structure = null;
                if (views.Count > 0 && reader.GetBoolean(column))
                {
                    structure = new MessageStructure(
                        envelopeAt < 0 ? "" : reader.GetString(column + 1 + envelopeAt),
                        bodyStructureAt < 0 ? "" : reader.GetString(column + 1 + bodyStructureAt),
                        bodyAt < 0 ? "" : reader.GetString(column + 1 + bodyAt));
                }
                list.Add(parts == ImapMessageParts.None ? BaseRow(reader) : BaseRow(reader) with
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
                });
            }
            return list;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TextCandidates?> TextCandidatesAsync(long accountId, long folderId, SearchTextField field, string value, CancellationToken cancellationToken)
    {
        var runs = FtsSubstring.Runs(value);
        if (runs.Count == 0)
            return null;
        // One word and nothing else: a token that contains it proves the match in ASCII text (migration 0009).
        var provable = runs.Count == 1 && runs[0].Text.Length == value.Length;
        string[] indexes = field == SearchTextField.Body ? ["message_fts"] : ["message_fts", "message_header_fts"];
        return await database.ReadAsync<TextCandidates?>(async (connection, cancellationToken) =>
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            if (await ReadFolderAsync(connection, transaction, accountId, folderId, cancellationToken).ConfigureAwait(false) is not { } folder)
                return new TextCandidates([], new HashSet<long>());
            var uids = new HashSet<long>();
            var proven = new HashSet<long>();
            // What the index cannot answer for: text cut at the indexed length, and (for TEXT)
            // messages stored before their header fields were indexed. Always candidates.
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                // Each through its index (messages_folder_size, messages_folder_headers_unindexed): an OR would walk the folder.
                command.CommandText = "SELECT group_concat(uid), NULL FROM (SELECT uid FROM messages WHERE folder_id = $f AND account_id = $a AND size > $big" +
                    (field == SearchTextField.Text ? " UNION ALL SELECT uid FROM messages WHERE folder_id = $f AND account_id = $a AND headers_indexed = 0)" : ")");
                command.With("$f", folderId).With("$a", accountId).With("$big", MessageParser.MaxIndexedText);
                await ReadCandidatesAsync(command, uids, proven, cancellationToken).ConfigureAwait(false);
            }
            var queries = new List<(string Index, string Match)>();
            foreach (var index in indexes)
            {
                var match = Match(connection, transaction, index, runs);
                if (match is null)
                    return null;
                if (match.Length > 0) // else no token contains one of the runs: nothing in this index matches
                    queries.Add((index, field == SearchTextField.Body ? $"body : ({match})" : match));
            }
            if (IsIndexed(folder))
            {
                // A large folder turns the matching message ids into UIDs through its index, in memory.
                var ids = queries.Select(q => Numbers(ReadScalar(connection, transaction, $"SELECT group_concat(rowid) FROM {q.Index} WHERE {q.Index} MATCH $q", q.Match))).ToList();
                var found = WithIndex(connection, transaction, folder, held => held.Find(ids, provable))!;
                if (uids.Count == 0)
                    return found;
                uids.UnionWith(found.Uids);
                proven.UnionWith(found.Proven);
            }
            else
            {
                foreach (var (index, match) in queries)
                {
                    using var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = "SELECT group_concat(CASE WHEN m.text_ascii AND $provable THEN NULL ELSE m.uid END), group_concat(CASE WHEN m.text_ascii AND $provable THEN m.uid END) " +
                        $"FROM {index} x CROSS JOIN messages m ON m.id = x.rowid WHERE x.{index} MATCH $q AND m.folder_id = $f AND m.account_id = $a";
                    command.With("$q", match).With("$f", folderId).With("$a", accountId).With("$provable", provable);
                    await ReadCandidatesAsync(command, uids, proven, cancellationToken).ConfigureAwait(false);
                }
            }
            return new TextCandidates(uids.Order().ToList(), proven);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The FTS5 query for the runs; "" when one run is in no token (no match), null when none constrains.</summary>
    private string? Match(SqliteConnection connection, SqliteTransaction transaction, string index, List<FtsSubstring.Run> runs)
    {
        var parts = new List<string>();
        foreach (var run in runs)
        {
            if (!run.InsideToken)
            {
                parts.Add(FtsSubstring.Phrase(run.Text, run.Prefix));
                continue;
            }
            var terms = _vocabularies.GetOrAdd(index, name => new FtsVocabulary(name))
                .Containing(connection, transaction, run.Text, run.EndsToken, FtsSubstring.MaxAlternatives);
            if (terms.Count == 0)
                return "";
            if (terms.Count <= FtsSubstring.MaxAlternatives)
                parts.Add("(" + string.Join(" OR ", terms.Select(t => FtsSubstring.Phrase(t, prefix: false))) + ")");
        }
        return parts.Count == 0 ? null : string.Join(" AND ", parts);
    }

    /// <summary>
    /// Reads one row of two UID lists, candidates and proven ones, each joined by commas in SQLite:
    /// tens of thousands of matches cost one row here instead of a row each.
    /// </summary>
    private static async Task ReadCandidatesAsync(SqliteCommand command, HashSet<long> uids, HashSet<long> proven, CancellationToken cancellationToken)
    {
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!reader.Read())
            return;
        uids.UnionWith(Numbers(reader.IsDBNull(0) ? null : reader.GetString(0)));
        var sure = Numbers(reader.IsDBNull(1) ? null : reader.GetString(1));
        uids.UnionWith(sure);
        proven.UnionWith(sure);
    }

    private static string? ReadScalar(SqliteConnection connection, SqliteTransaction transaction, string sql, string query)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.With("$q", query);
        return command.ExecuteScalar() as string;
    }

    /// <summary>The numbers of a list <c>group_concat</c> made ("1,2,3"; null for none).</summary>
    private static List<long> Numbers(string? list)
    {
        var numbers = new List<long>();
        var text = list.AsSpan();
        foreach (var range in text.Split(','))
        {
            if (!text[range].IsEmpty)
                numbers.Add(long.Parse(text[range], CultureInfo.InvariantCulture));
        }
        return numbers;
    }

    public Task SaveStructureAsync(long accountId, long messageId, MessageStructure structure, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context =>
        {
            context.Command("INSERT OR REPLACE INTO message_imap (message_id, envelope, body_structure, body) " +
                    "SELECT id, $e, $bs, $b FROM messages WHERE id = $id AND account_id = $a")
                .With("$id", messageId).With("$a", accountId).With("$e", structure.Envelope)
                .With("$bs", structure.BodyStructure).With("$b", structure.Body).ExecuteNonQuery();
        }, cancellationToken);

    public Task<FlagChangeResult> StoreFlagsAsync(long accountId, long folderId, IReadOnlyList<long> uids, FlagChange change, long? unchangedSince, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
            return Task.FromResult(new FlagChangeResult([], []));
        var uidList = JsonSerializer.Serialize(uids);
        return Writer.ExecuteAsync(context =>
        {
            var current = new List<(long Id, long Uid, MessageFlags Flags, string Keywords, long Modseq)>();
            using (var reader = context.Command("SELECT id, uid, flags, keywords, modseq FROM messages WHERE folder_id = $f AND account_id = $a AND uid IN (SELECT value FROM json_each($u)) ORDER BY uid")
                .With("$f", folderId).With("$a", accountId).With("$u", uidList).ExecuteReader())
            {
                while (reader.Read())
                    current.Add((reader.GetInt64(0), reader.GetInt64(1), (MessageFlags)reader.GetInt32(2), reader.GetString(3), reader.GetInt64(4)));
            }
            var modified = new List<long>();
            var changedIds = new List<(long Id, long Uid)>();
            var update = context.Command("UPDATE messages SET flags = $fl, keywords = $k WHERE id = $id");
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
                update.Parameters.Clear();
                update.With("$fl", (int)flags).With("$k", keywords).With("$id", message.Id).ExecuteNonQuery();
                changedIds.Add((message.Id, message.Uid));
            }
            var changed = new List<FlagState>(changedIds.Count);
            if (changedIds.Count > 0)
            {
                using var reader = context.Command("SELECT uid, flags, keywords, modseq FROM messages WHERE id IN (SELECT value FROM json_each($ids)) ORDER BY uid")
                    .With("$ids", JsonSerializer.Serialize(changedIds.Select(c => c.Id))).ExecuteReader();
                while (reader.Read())
                    changed.Add(new FlagState(reader.GetInt64(0), (MessageFlags)reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3)));
                PublishChanged(context, accountId, [folderId]);
            }
            return new FlagChangeResult(changed, modified);
        }, WriteKind.ChangesOrRemoves, cancellationToken);
    }

    public async Task<UidMapping> CopyAsync(long accountId, long folderId, IReadOnlyList<long> uids, long targetFolderId, CancellationToken cancellationToken)
    {
        // Parse outside the writer (the copies need their full-text rows, which a contentless index cannot give back).
        var sources = await GetMessagesAsync(accountId, folderId, uids, ImapMessageParts.Details, cancellationToken).ConfigureAwait(false);
        var copies = new List<(ImapMessage Message, byte[] Raw, ParsedMessage Parsed)>(sources.Count);
        foreach (var source in sources)
        {
            if (await GetRawAsync(accountId, source.Id, cancellationToken).ConfigureAwait(false) is { } raw)
                copies.Add((source, raw, MessageParser.Parse(raw, MaxMimeDepth)));
        }
        return await Writer.ExecuteAsync(context =>
        {
            var target = RequireFolder(context, accountId, targetFolderId);
            if (OverQuotaOrMissing(context, accountId, copies.Sum(c => c.Raw.LongLength)))
                throw new QuotaExceededException(AddressOf(context, accountId));
            var from = new List<long>(copies.Count);
            var to = new List<long>(copies.Count);
            // A copy into Junk, or out of it (an IMAP client's COPY + EXPUNGE move), teaches the spam filter as a move does.
            var spam = WellKnownKeywords.SpamVerdictForMove(SpecialUseOf(context, folderId), SpecialUseOf(context, targetFolderId));
            foreach (var (message, raw, parsed) in copies)
            {
                var stored = MessageInserter.Insert(context, accountId, targetFolderId, raw, parsed, message.Flags, message.InternalDate, message.Keywords);
                from.Add(message.Uid);
                to.Add(stored.Uid);
                if (spam is { } verdict)
                    context.AfterCommit(() => notifier.PublishJunkVerdict(new JunkVerdict(accountId, stored.Id, verdict)));
            }
            if (to.Count > 0)
                context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, targetFolderId)));
            return new UidMapping(target, from, to);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<UidMapping> MoveAsync(long accountId, long folderId, IReadOnlyList<long> uids, long targetFolderId, CancellationToken cancellationToken)
    {
        var uidList = JsonSerializer.Serialize(uids);
        return Writer.ExecuteAsync(context =>
        {
            var target = RequireFolder(context, accountId, targetFolderId);
            var sources = new List<(long Id, long Uid)>();
            using (var reader = context.Command("SELECT id, uid FROM messages WHERE folder_id = $f AND account_id = $a AND uid IN (SELECT value FROM json_each($u)) ORDER BY uid")
                .With("$f", folderId).With("$a", accountId).With("$u", uidList).ExecuteReader())
            {
                while (reader.Read())
                    sources.Add((reader.GetInt64(0), reader.GetInt64(1)));
            }
            var moved = MoveWithin(context, accountId, sources.Select(s => s.Id), targetFolderId, MessageFlags.None);
            var newUid = moved.ToDictionary(m => m.Id, m => m.Uid);
            var from = sources.Where(s => newUid.ContainsKey(s.Id)).ToList();
            return new UidMapping(target, from.Select(s => s.Uid).ToList(), from.Select(s => newUid[s.Id]).ToList());
        }, WriteKind.ChangesOrRemoves, cancellationToken);
    }

    public Task<IReadOnlyList<long>> ExpungeAsync(long accountId, long folderId, IReadOnlyList<long>? uids, CancellationToken cancellationToken)
    {
        var only = uids is null ? "" : " AND uid IN (SELECT value FROM json_each($u))";
        return Writer.ExecuteAsync<IReadOnlyList<long>>(context =>
        {
            var command = context.Command($"DELETE FROM messages WHERE folder_id = $f AND account_id = $a AND (flags & 8) = 8{only} RETURNING uid")
                .With("$f", folderId).With("$a", accountId);
            if (uids is not null)
                command.With("$u", JsonSerializer.Serialize(uids));
            var expunged = new List<long>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                    expunged.Add(reader.GetInt64(0));
            }
            expunged.Sort();
            if (expunged.Count > 0)
                PublishChanged(context, accountId, [folderId]);
            return expunged;
        }, WriteKind.ChangesOrRemoves, cancellationToken);
    }

    public async Task<StoredMessage> AppendAsync(long accountId, long folderId, ReadOnlyMemory<byte> raw, MessageFlags flags, IReadOnlyCollection<string> keywords, DateTimeOffset? internalDate, CancellationToken cancellationToken)
    {
        var bytes = RawBytes.AsArray(raw);
        var parsed = MessageParser.Parse(bytes, MaxMimeDepth);
        var date = internalDate ?? time.GetUtcNow();
        var words = Keywords.Apply("", FlagChangeMode.Replace, keywords);
        return await Writer.ExecuteAsync(context =>
        {
            RequireFolder(context, accountId, folderId);
            if (OverQuotaOrMissing(context, accountId, bytes.LongLength))
                throw new QuotaExceededException(AddressOf(context, accountId));
            var stored = MessageInserter.Insert(context, accountId, folderId, bytes, parsed, flags, date, words);
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Folder> CreateFolderPathAsync(long accountId, IReadOnlyList<string> path, CancellationToken cancellationToken)
    {
        if (path.Count == 0)
            throw new StoreException("A folder name is needed.");
        var names = path.Select(FolderName.Validate).ToList();
        var id = await Writer.ExecuteAsync(context =>
        {
            long? parent = null;
            var created = false;
            for (var i = 0; i < names.Count; i++)
            {
                var existing = i == 0 && names[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                    ? MessageInserter.FolderIdOf(context, accountId, SpecialFolder.Inbox)
                    : context.Command("SELECT id FROM folders WHERE account_id = $a AND ifnull(parent_id, 0) = $p AND name = $n COLLATE NOCASE")
                        .With("$a", accountId).With("$p", parent ?? 0).With("$n", names[i]).ExecuteScalar() is { } found ? Convert.ToInt64(found) : (long?)null;
                if (existing is { } known && i < names.Count - 1)
                {
                    parent = known;
                    continue;
                }
                if (existing is not null)
                    throw new StoreException($"A folder named '{string.Join('/', names)}' already exists.");
                parent = context.Command("INSERT INTO folders (account_id, parent_id, name, special_use, uid_validity) VALUES ($a, $p, $n, 0, $v) RETURNING id")
                    .With("$a", accountId).With("$p", parent).With("$n", names[i]).With("$v", time.GetUtcNow().ToUnixTimeSeconds()).ScalarLong();
                created = true;
            }
            var last = parent!.Value;
            if (created)
                context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, last)));
            return last;
        }, cancellationToken).ConfigureAwait(false);
        return (await GetFolderAsync(accountId, id, cancellationToken).ConfigureAwait(false))!;
    }

    public Task MoveFolderAsync(long accountId, long folderId, long? parentId, string name, CancellationToken cancellationToken)
    {
        name = FolderName.Validate(name);
        return Writer.ExecuteAsync(context =>
        {
            RequireUserFolder(context, accountId, folderId, "renamed");
            if (parentId is { } parent)
            {
                RequireFolder(context, accountId, parent);
                // A folder cannot move under itself or one of its own subfolders.
                for (long? at = parent; at is { } current; at = context.Command("SELECT parent_id FROM folders WHERE id = $f").With("$f", current).ExecuteScalar() is long up ? up : null)
                {
                    if (current == folderId)
                        throw new StoreException("A folder cannot move into itself.");
                }
            }
            EnsureNameFree(context, accountId, parentId, name, folderId);
            context.Command("UPDATE folders SET name = $n, parent_id = $p WHERE id = $f").With("$n", name).With("$p", parentId).With("$f", folderId).ExecuteNonQuery();
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.Changed, folderId)));
        }, cancellationToken);
    }

    public Task SetSubscribedAsync(long accountId, long folderId, bool subscribed, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context =>
        {
            context.Command("UPDATE folders SET subscribed = $s WHERE id = $f AND account_id = $a")
                .With("$s", subscribed ? 1 : 0).With("$f", folderId).With("$a", accountId).ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>The folder's UIDVALIDITY; throws when it is not the account's.</summary>
    private static SpecialFolder SpecialUseOf(WriteContext context, long folderId) =>
        context.Command("SELECT special_use FROM folders WHERE id = $f").With("$f", folderId).ExecuteScalar() is { } use
            ? (SpecialFolder)Convert.ToInt32(use, System.Globalization.CultureInfo.InvariantCulture)
            : SpecialFolder.None;

    private static long RequireFolder(WriteContext context, long accountId, long folderId) =>
        context.Command("SELECT uid_validity FROM folders WHERE id = $f AND account_id = $a").With("$f", folderId).With("$a", accountId).ExecuteScalar() is { } validity
            ? Convert.ToInt64(validity)
            : throw new StoreException("The folder does not exist.");
}
