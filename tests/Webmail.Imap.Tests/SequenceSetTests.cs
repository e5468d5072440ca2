using CsCheck;
using Webmail.Imap.Protocol;

namespace Webmail.Imap.Tests;

/// <summary>A client's set in any order, overlapping, with <c>*</c>: its intervals name exactly what its ranges name.</summary>
public sealed class SequenceSetTests
{
    [Fact]
    public void IntervalsAndContainsAgreeWithTheRangesAsWritten() =>
        Gen.Select(Gen.Long[1, 60], Gen.Long[0, 60]).Array[1, 12].Sample(pairs =>
        {
            // 0 stands for *.
            var set = new SequenceSet(pairs.Select(p => (p.Item1, p.Item2 == 0 ? SequenceSet.Star : p.Item2)).ToList());
            bool Named(long n) => pairs.Any(p =>
            {
                var (a, b) = (p.Item1, p.Item2 == 0 ? long.MaxValue : p.Item2);
                return n >= Math.Min(a, b) && n <= Math.Max(a, b);
            });
            for (long n = 0; n <= 70; n++)
                Assert.Equal(Named(n), set.Contains(n));
            Assert.Equal(pairs.Any(p => p.Item2 == 0), set.Contains(long.MaxValue));
            var intervals = set.Intervals;
            for (var i = 1; i < intervals.Count; i++)
                Assert.True(intervals[i - 1].High < intervals[i].Low, "ascending and disjoint");
        });
}
