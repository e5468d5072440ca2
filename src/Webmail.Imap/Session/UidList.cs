namespace Webmail.Imap.Session;

/// <summary>
/// A selected folder's UIDs in sequence order, kept as runs of consecutive UIDs: a mailbox's UIDs
/// are mostly consecutive (gaps come from expunges), so 100,000 messages cost a few runs instead of
/// 800 KB per session. Sequence number n is the n-th UID (RFC 9051 §2.3.1.2).
/// </summary>
public sealed class UidList : IReadOnlyList<long>
{
    private readonly List<(long First, int Length)> _runs = [];
    private int[] _before = [];   // messages in the runs before run i
    private bool _stale;
    private int _count;

    public UidList(IEnumerable<long> ascending)
    {
        foreach (var uid in ascending)
            Add(uid);
    }

    /// <summary>A list of ascending, non-adjacent runs of consecutive UIDs (<see cref="Core.Storage.FolderSnapshot.UidRuns"/>).</summary>
    public UidList(IEnumerable<(long First, int Length)> runs)
    {
        foreach (var run in runs)
        {
            if (run.Length <= 0 || _runs.Count > 0 && run.First <= _runs[^1].First + _runs[^1].Length)
                throw new ArgumentException("Runs are ascending, not empty and not adjacent.", nameof(runs));
            _runs.Add(run);
            _count += run.Length;
        }
        _stale = true;
    }

    public int Count => _count;

    /// <summary>Runs held (for tests and memory reports).</summary>
    public int RunCount => _runs.Count;

    /// <summary>The UID at a 0-based index.</summary>
    public long this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
            var run = RunOfIndex(index);
            return _runs[run].First + (index - Before()[run]);
        }
    }

    /// <summary>The 0-based index of a UID, or -1.</summary>
    public int IndexOf(long uid)
    {
        var run = RunOfUid(uid);
        if (run < 0)
            return -1;
        var (first, length) = _runs[run];
        return uid < first + length ? Before()[run] + (int)(uid - first) : -1;
    }

    /// <summary>Appends a UID larger than every one held.</summary>
    public void Add(long uid)
    {
        if (_runs.Count > 0)
        {
            var (first, length) = _runs[^1];
            if (uid <= first + length - 1)
                throw new ArgumentException("UIDs are added in ascending order.", nameof(uid));
            if (uid == first + length)
            {
                _runs[^1] = (first, length + 1);
                _count++;
                _stale = true;
                return;
            }
        }
        _runs.Add((uid, 1));
        _count++;
        _stale = true;
    }

    public void RemoveAt(int index)
    {
        var run = RunOfIndex(index);
        var (first, length) = _runs[run];
        var offset = index - Before()[run];
        if (length == 1)
            _runs.RemoveAt(run);
        else if (offset == 0)
            _runs[run] = (first + 1, length - 1);
        else if (offset == length - 1)
            _runs[run] = (first, length - 1);
        else
        {
            _runs[run] = (first, offset);
            _runs.Insert(run + 1, (first + offset + 1, length - offset - 1));
        }
        _count--;
        _stale = true;
    }

    private int[] Before()
    {
        if (_stale || _before.Length != _runs.Count)
        {
            if (_before.Length != _runs.Count)
                _before = new int[_runs.Count];
            var sum = 0;
            for (var i = 0; i < _runs.Count; i++)
            {
                _before[i] = sum;
                sum += _runs[i].Length;
            }
            _stale = false;
        }
        return _before;
    }

    private int RunOfIndex(int index)
    {
        var before = Before();
        int lo = 0, hi = before.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (before[mid] <= index)
                lo = mid;
            else
                hi = mid - 1;
        }
        return lo;
    }

    /// <summary>The last run whose first UID is at most <paramref name="uid"/>, or -1.</summary>
    private int RunOfUid(long uid)
    {
        int lo = 0, hi = _runs.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_runs[mid].First <= uid)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    public IEnumerator<long> GetEnumerator()
    {
        foreach (var (first, length) in _runs)
        {
            for (var i = 0; i < length; i++)
                yield return first + i;
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
