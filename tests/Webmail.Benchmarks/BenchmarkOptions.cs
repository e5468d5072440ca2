using System.Globalization;

namespace Webmail.Benchmarks;

/// <summary>The <c>--name value</c> options after a suite's name, as the soak and load suites read them.</summary>
internal static class BenchmarkOptions
{
    /// <summary>The number after <paramref name="name"/>, or <paramref name="fallback"/> when it is absent or not a number.</summary>
    public static double Number(string[] args, string name, double fallback) =>
        double.TryParse(Text(args, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    /// <summary>The word after <paramref name="name"/>, or null.</summary>
    public static string? Text(string[] args, string name) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
}
