using Microsoft.Data.Sqlite;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// A large folder's message records held in memory, as Dovecot keeps its index: UID, id, flags,
/// keywords, modseq and whether the text is ASCII. A <c>UID FETCH 1:* (FLAGS)</c> of 100,000 messages,
/// or turning full-text matches (message ids) into UIDs, then reads no message rows: reading rows
/// one at a time costs most of the time of both.
/// </summary>
/// <remarks>
/// Before each use it is brought up to the state the caller's read transaction sees, from what changed
/// since its modseq: every change to a message's folder, flags or keywords raises the message's modseq
/// and the folder's highest one, and a message that leaves is in <c>expunged</c> (migration 0007's
/// triggers). A message's id and text never change, and a folder's new UIDs are always above its old
/// ones. The expunge log is complete (never compacted); if it ever is, an index older than the
/// compaction must be rebuilt instead.
/// </remarks>
internal sealed class FolderIndex
{
    /// <summary>One message, as the index holds it.</summary>
    public readonly record struct Entry(long Uid, long Id, MessageFlags Flags, string Keywords, long Modseq, bool TextAscii)
    {
        /// <summary>The message as <see cref="ImapMessageParts.None"/> reads it.</summary>
        public ImapMessage ToMessage() => new(Id: Id, Uid: Uid, Flags: Flags, Keywords: Keywords, InternalDate: default, Size: 0, Modseq: Modseq,
            SentDate: null, From: "", To: "", Cc: "", Subject: "", Structure: null);
    }

    private const string Columns = "id, uid, flags, keywords, modseq, text_ascii";

    private readonly Lock _gate = new();
    private readonly long _folderId;
    private long _uidValidity;
    private long _modseq = -1;
    private List<Entry> _entries = [];
    private Dictionary<long, int>? _byId;

    public FolderIndex(long folderId) => _folderId = folderId;

    /// <summary>Messages held (for the cache's bound).</summary>
    public int Count => _entries.Count;

    /// <summary>When it was last used (<see cref="Environment.TickCount64"/>), for eviction.</summary>
    public long LastUsed { get; private set; }

    /// <summary>
    /// Brings the index up to <paramref name="folder"/> and runs <paramref name="read"/> on it, under its
    /// lock. <paramref name="folder"/> was read in <paramref name="transaction"/>, or with none: then an
    /// index that must catch up reads the folder again in a transaction of its own, so the changes and
    /// the modseq they lead to are one state (a read of one message pays no transaction).
    /// </summary>
    public T Read<T>(SqliteConnection connection, SqliteTransaction? transaction, Folder folder, Func<FolderIndex, T> read)
    {
        lock (_gate)
        {
            LastUsed = Environment.TickCount64;
            if (folder.UidValidity != _uidValidity || folder.HighestModseq > _modseq)
            {
                using var own = transaction is null ? connection.BeginTransaction(deferred: true) : null;
                var state = own is null ? (folder.UidValidity, folder.HighestModseq, folder.ExpungeFloor) : ReadState(connection, own);
                // A compacted expunge log cannot tell what left since an older index: read afresh.
                if (state.UidValidity != _uidValidity || _modseq < 0 || state.ExpungeFloor > _modseq)
                    Load(connection, transaction ?? own!, (state.UidValidity, state.HighestModseq));
                else if (state.HighestModseq > _modseq)
                    Update(connection, transaction ?? own!, state.HighestModseq);
            }
            // A transaction older than the index sees less: the index's newer state is answered, as a
            // command that started a moment later would be.
            return read(this);
        }
    }

    private (long UidValidity, long HighestModseq, long ExpungeFloor) ReadState(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT uid_validity, highest_modseq, expunge_floor FROM folders WHERE id = $f";
        command.With("$f", _folderId);
        using var reader = command.ExecuteReader();
        // A folder deleted meanwhile: nothing of it is held any more.
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : (-1, 0, 0);
    }

    /// <summary>The entries of the UIDs asked for that are in the folder, ascending.</summary>
    public List<ImapMessage> Messages(IReadOnlyList<long> uids)
    {
        var list = new List<ImapMessage>(uids.Count);
        if (uids.Count == 0)
            return list;
        var (low, high) = (uids.Min(), uids.Max());
        var wanted = high - low + 1 == uids.Count ? null : new HashSet<long>(uids);
        for (var i = Position(low); i < _entries.Count && _entries[i].Uid <= high; i++)
        {
            if (wanted is null || wanted.Contains(_entries[i].Uid))
                list.Add(_entries[i].ToMessage());
        }
        return list;
    }

    /// <summary>
    /// The messages among <paramref name="ids"/> (full-text matches anywhere in the store) that are in
    /// the folder, by UID, and those of them whose text is ASCII when <paramref name="provable"/>.
    /// </summary>
    public TextCandidates Find(IEnumerable<IEnumerable<long>> ids, bool provable)
    {
        if (_byId is null)
        {
            _byId = new Dictionary<long, int>(_entries.Count);
            for (var i = 0; i < _entries.Count; i++)
                _byId[_entries[i].Id] = i;
        }
        var hits = new bool[_entries.Count];
        foreach (var id in ids.SelectMany(list => list))
        {
            if (_byId.TryGetValue(id, out var position))
                hits[position] = true;
        }
        var uids = new List<long>();
        var proven = new HashSet<long>();
        for (var i = 0; i < hits.Length; i++)
        {
            if (!hits[i])
                continue;
            uids.Add(_entries[i].Uid);
            if (provable && _entries[i].TextAscii)
                proven.Add(_entries[i].Uid);
        }
        return new TextCandidates(uids, proven);
    }

    /// <summary>The position of the first entry whose UID is at least <paramref name="uid"/>.</summary>
    private int Position(long uid)
    {
        int low = 0, high = _entries.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_entries[middle].Uid < uid)
                low = middle + 1;
            else
                high = middle;
        }
        return low;
    }

    private void Load(SqliteConnection connection, SqliteTransaction transaction, (long UidValidity, long HighestModseq) state)
    {
        _entries = ReadEntries(connection, transaction, $"SELECT {Columns} FROM messages WHERE folder_id = $f ORDER BY uid", -1);
        _byId = null;
        _uidValidity = state.UidValidity;
        _modseq = state.HighestModseq;
    }

    private void Update(SqliteConnection connection, SqliteTransaction transaction, long highestModseq)
    {
        var gone = new HashSet<long>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT uid FROM expunged WHERE folder_id = $f AND modseq > $m";
            command.With("$f", _folderId).With("$m", _modseq);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                gone.Add(reader.GetInt64(0));
        }
        if (gone.Count > 0 && _entries.RemoveAll(e => gone.Contains(e.Uid)) > 0)
            _byId = null;
        foreach (var entry in ReadEntries(connection, transaction, $"SELECT {Columns} FROM messages WHERE folder_id = $f AND modseq > $m ORDER BY uid", _modseq))
        {
            var at = Position(entry.Uid);
            if (at < _entries.Count && _entries[at].Uid == entry.Uid)
            {
                _entries[at] = entry;
                continue;
            }
            _entries.Insert(at, entry); // new UIDs are above the others: at the end
            if (_byId is not null && at == _entries.Count - 1)
                _byId[entry.Id] = at;
            else
                _byId = null;
        }
        _modseq = highestModseq;
    }

    private List<Entry> ReadEntries(SqliteConnection connection, SqliteTransaction transaction, string sql, long sinceModseq)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.With("$f", _folderId).With("$m", sinceModseq);
        using var reader = command.ExecuteReader();
        var entries = new List<Entry>();
        while (reader.Read())
            entries.Add(new Entry(reader.GetInt64(1), reader.GetInt64(0), (MessageFlags)reader.GetInt32(2), reader.GetString(3), reader.GetInt64(4), reader.GetBoolean(5)));
        return entries;
    }
}
