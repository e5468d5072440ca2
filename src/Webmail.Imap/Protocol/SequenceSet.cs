namespace Webmail.Imap.Protocol;

/// <summary>
/// A sequence set (RFC 9051 §9): ranges of message sequence numbers or UIDs, where <c>*</c> is the
/// largest in use; or <c>$</c>, the saved result of the last SEARCH (RFC 5182).
/// </summary>
public sealed class SequenceSet
{
    /// <summary>The number written <c>*</c>.</summary>
    public const long Star = -1;

    /// <summary>Most ranges accepted in one set (a client syncing sends long lists, never this long).</summary>
    public const int MaxRanges = 100_000;

    /// <summary>The <c>$</c> marker.</summary>
    public static SequenceSet SavedResult { get; } = new([]) { IsSavedResult = true };

    public SequenceSet(IReadOnlyList<(long First, long Last)> ranges) => Ranges = ranges;

    public IReadOnlyList<(long First, long Last)> Ranges { get; }

    public bool IsSavedResult { get; private init; }

    private List<(long Low, long High)>? _intervals;

    /// <summary>
    /// The set as ascending, disjoint intervals, <c>*</c> standing for the largest number there is
    /// (a client's set may hold its ranges in any order, overlapping; this costs its size once).
    /// </summary>
    public IReadOnlyList<(long Low, long High)> Intervals
    {
        get
        {
            if (_intervals is not null)
                return _intervals;
            var sorted = Ranges.Select(r => (First: r.First == Star ? long.MaxValue : r.First, Last: r.Last == Star ? long.MaxValue : r.Last))
                .Select(r => (Low: Math.Min(r.First, r.Last), High: Math.Max(r.First, r.Last))).OrderBy(r => r.Low);
            var merged = new List<(long Low, long High)>();
            foreach (var (low, high) in sorted)
            {
                if (merged.Count > 0 && low <= merged[^1].High)
                    merged[^1] = (merged[^1].Low, Math.Max(merged[^1].High, high));
                else
                    merged.Add((low, high));
            }
            return _intervals = merged;
        }
    }

    /// <summary>Whether the set names <paramref name="number"/>, <c>*</c> standing for the largest number there is.</summary>
    public bool Contains(long number)
    {
        var intervals = Intervals;
        int low = 0, high = intervals.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (number < intervals[middle].Low)
                high = middle - 1;
            else if (number > intervals[middle].High)
                low = middle + 1;
            else
                return true;
        }
        return false;
    }

    /// <summary>
    /// The members of the set among <paramref name="available"/> (ascending), with <c>*</c> meaning
    /// the largest available. RFC 9051 §9: a range is the same in either order; for UIDs, a range
    /// with no member present is empty rather than an error (and <c>n:*</c> includes the largest
    /// UID even when n is greater).
    /// </summary>
    public List<long> Resolve(IReadOnlyList<long> available)
    {
        var result = new List<long>();
        if (available.Count == 0)
            return result;
        var max = available[^1];
        foreach (var (first, last) in Ranges)
        {
            var a = first == Star ? max : first;
            var b = last == Star ? max : last;
            if (a > b)
                (a, b) = (b, a);
            var from = LowerBound(available, a);
            for (var i = from; i < available.Count && available[i] <= b; i++)
                result.Add(available[i]);
        }
        if (Ranges.Count > 1)
        {
            result.Sort();
            result = result.Distinct().ToList();
        }
        return result;
    }

    /// <summary>Index of the first element not less than <paramref name="value"/>.</summary>
    public static int LowerBound(IReadOnlyList<long> sorted, long value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>The compact form of ascending numbers: <c>1:3,7,9:10</c> (for COPYUID and ESEARCH).</summary>
    public static string Format(IEnumerable<long> numbers)
    {
        var sb = new System.Text.StringBuilder();
        long start = -1, previous = -1;
        foreach (var n in numbers)
        {
            if (start < 0)
            {
                start = previous = n;
                continue;
            }
            if (n == previous + 1)
            {
                previous = n;
                continue;
            }
            Append(sb, start, previous);
            start = previous = n;
        }
        if (start >= 0)
            Append(sb, start, previous);
        return sb.ToString();

        static void Append(System.Text.StringBuilder sb, long a, long b)
        {
            if (sb.Length > 0)
                sb.Append(',');
            sb.Append(a);
            if (b != a)
                sb.Append(':').Append(b);
        }
    }
}
