namespace Webmail.Benchmarks;

/// <summary>Latency percentiles as the load suites print them (nearest rank on the sorted samples).</summary>
internal static class Percentiles
{
    /// <summary>The value at <paramref name="p"/> (0..1) of ascending <paramref name="sorted"/>.</summary>
    public static double Of(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary><c>p50 …, p95 …, p99 …, max …</c> in milliseconds, or <c>n/a</c> without samples.</summary>
    public static string Describe(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return "n/a";
        var sorted = values.Order().ToArray();
        return $"p50 {Of(sorted, 0.50):F1} ms, p95 {Of(sorted, 0.95):F1} ms, p99 {Of(sorted, 0.99):F1} ms, max {sorted[^1]:F1} ms";
    }
}
