using CsCheck;
using Webmail.Imap.Session;

namespace Webmail.Imap.Tests;

/// <summary>The run-length UID list behaves exactly like a plain sorted list under any appends and removals.</summary>
public sealed class UidListTests
{
    [Fact]
    public void AnySequenceOfAppendsAndRemovalsMatchesAPlainList() =>
        Gen.Int[0, 2].Array[1, 300].Sample(ops =>
        {
            var plain = new List<long>();
            var runs = new UidList(Array.Empty<long>());
            long next = 1;
            var random = new Random(ops.Length);
            foreach (var op in ops)
            {
                if (op < 2 || plain.Count == 0)
                {
                    next += op == 0 ? 1 : random.Next(1, 5); // consecutive, or a gap
                    plain.Add(next);
                    runs.Add(next);
                }
                else
                {
                    var at = random.Next(plain.Count);
                    plain.RemoveAt(at);
                    runs.RemoveAt(at);
                }
                Assert.Equal(plain.Count, runs.Count);
            }
            Assert.Equal(plain, runs.ToList());
            for (var i = 0; i < plain.Count; i++)
            {
                Assert.Equal(plain[i], runs[i]);
                Assert.Equal(i, runs.IndexOf(plain[i]));
            }
            Assert.Equal(-1, runs.IndexOf(next + 1));
            // Built from the runs a store snapshot reads, the list is the same.
            var fromRuns = new UidList(plain.Select((uid, i) => (uid, i)).GroupBy(p => p.uid - p.i).Select(g => (g.First().uid, g.Count())).ToList());
            Assert.Equal(plain, fromRuns.ToList());
            Assert.Equal(runs.RunCount, fromRuns.RunCount);
        }, iter: 2_000);

    [Fact]
    public void AHundredThousandConsecutiveUidsAreOneRun()
    {
        var uids = new UidList(Enumerable.Range(1, 100_000).Select(i => (long)i));
        Assert.Equal(1, uids.RunCount);
        Assert.Equal(73_000, uids[72_999]);
        uids.RemoveAt(50_000);
        Assert.Equal(2, uids.RunCount);
        Assert.Equal(50_002, uids[50_000]);
    }
}
