using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Imap.Session;

/// <summary>
/// A session's view of its selected folder: the UIDs in sequence-number order (RFC 9051 §2.3.1.2),
/// the highest modification sequence it has told the client about, and the expunges it could not
/// announce yet. The store knows only UIDs; sequence numbers live here.
/// </summary>
public sealed class SelectedMailbox(Folder folder, IReadOnlyList<(long First, int Length)> uidRuns, bool readOnly)
{
    private readonly UidList _uids = new(uidRuns);
    private readonly HashSet<long> _pendingExpunges = [];
    private readonly Dictionary<long, long> _reportedModseq = [];

    public Folder Folder { get; private set; } = folder;
    public long FolderId => Folder.Id;
    public bool ReadOnly { get; } = readOnly;

    /// <summary>The highest modification sequence already reflected in this view.</summary>
    public long Modseq { get; private set; } = folder.HighestModseq;

    /// <summary>UIDs by sequence number (index + 1), ascending.</summary>
    public IReadOnlyList<long> Uids => _uids;

    public int Count => _uids.Count;

    public long UidOf(int sequence) => _uids[sequence - 1];

    /// <summary>The sequence number of a UID, or 0 when it is not in the view.</summary>
    public int SequenceOf(long uid) => _uids.IndexOf(uid) + 1;

    /// <summary>True when expunges wait to be announced.</summary>
    public bool HasPendingExpunges => _pendingExpunges.Count > 0;

    /// <summary>True when the message has left the folder but the client has not been told (its number still holds its place).</summary>
    public bool IsExpungedPending(long uid) => _pendingExpunges.Contains(uid);

    /// <summary>Notes that this session told its client a message's flags at <paramref name="modseq"/> (a STORE's own FETCH), so the next poll does not repeat it.</summary>
    public void Reported(long uid, long modseq) => _reportedModseq[uid] = modseq;

    /// <summary>
    /// Applies what changed in the store since <see cref="Modseq"/> and writes the untagged responses
    /// (RFC 9051 §7.4.1 EXPUNGE, §7.3.1 EXISTS, §7.5.2 FETCH FLAGS, with MODSEQ when
    /// <paramref name="withModseq"/>: CONDSTORE is on, RFC 7162 §3.1.4). Expunges are held back while
    /// <paramref name="expungesAllowed"/> is false (during FETCH, STORE and SEARCH, RFC 9051 §7.5.1).
    /// </summary>
    /// <returns>False when the folder no longer exists.</returns>
    /// <param name="vanished">QRESYNC is on: expunges are told as one <c>VANISHED</c> with their UIDs (RFC 7162 §3.2.10).</param>
    public bool Apply(FolderChanges? changes, bool expungesAllowed, Func<FlagState, string> flagsOf, bool withModseq, bool vanished, IUntaggedSink sink)
    {
        if (changes is null)
            return false;
        Folder = changes.Folder;
        foreach (var uid in changes.Expunged)
        {
            if (SequenceOf(uid) > 0)
                _pendingExpunges.Add(uid);
        }
        if (changes.PresentUids is { } runs)
        {
            // The expunge log was compacted past this view's modseq: what the view holds and the folder
            // no longer does has left.
            var present = new UidList(runs);
            foreach (var uid in _uids)
            {
                if (present.IndexOf(uid) < 0)
                    _pendingExpunges.Add(uid);
            }
        }
        if (expungesAllowed && _pendingExpunges.Count > 0)
        {
            var gone = new List<long>();
            foreach (var uid in _pendingExpunges.Order())
            {
                var sequence = SequenceOf(uid);
                if (sequence == 0)
                    continue;
                _uids.RemoveAt(sequence - 1);
                gone.Add(uid);
                if (!vanished)
                    sink.Untagged($"{sequence} EXPUNGE");
            }
            if (vanished && gone.Count > 0)
                sink.Untagged($"VANISHED {Protocol.SequenceSet.Format(gone.Order())}");
            _pendingExpunges.Clear();
        }

        var known = _uids.Count == 0 ? 0 : _uids[^1];
        var max = known;
        var added = false;
        foreach (var state in changes.Changed)
        {
            if (state.Uid > max)
            {
                _uids.Add(state.Uid);
                max = state.Uid;
                added = true;
            }
        }
        if (added)
            sink.Untagged($"{_uids.Count} EXISTS");

        foreach (var state in changes.Changed)
        {
            var sequence = SequenceOf(state.Uid);
            if (sequence == 0 || _pendingExpunges.Contains(state.Uid) || state.Uid > known)
                continue;
            if (_reportedModseq.TryGetValue(state.Uid, out var told) && told >= state.Modseq)
                continue;
            sink.Untagged(withModseq
                ? $"{sequence} FETCH (UID {state.Uid} FLAGS ({flagsOf(state)}) MODSEQ ({state.Modseq}))"
                : $"{sequence} FETCH (UID {state.Uid} FLAGS ({flagsOf(state)}))");
        }
        _reportedModseq.Clear();
        Modseq = Math.Max(Modseq, changes.Folder.HighestModseq);
        return true;
    }
}

/// <summary>Where <see cref="SelectedMailbox.Apply"/> writes its untagged responses.</summary>
public interface IUntaggedSink
{
    void Untagged(string text);
}
