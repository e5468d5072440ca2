using System.Diagnostics;
using System.Globalization;
using Webmail.Resilience.Tests.Harness;

namespace Webmail.Benchmarks;

/// <summary>
/// Warms a server process up until its runtime has compiled the hot paths, as in a server that has run for a while.
/// A fresh process runs its code first unoptimised and recompiles what is hot on a background thread; under a load
/// that fills both cores that recompilation took 10 % of the machine (a fifth of the server's CPU) for 30–40 s after
/// the start, so a run measured in that time counted the compiler (session 22, docs/benchmarks-changes.md). The rounds
/// go on until one in which every server's tiering thread (".NET Tiered Compilation", its CPU time read from /proc, so
/// the server runs in its default configuration) took under <see cref="QuietShare"/> of the round's time.
/// </summary>
internal static class ServerWarmUp
{
    private const double QuietShare = 0.01;

    /// <summary>When the warm-up ends, for the report's method text.</summary>
    public static string Rule { get; } = string.Create(CultureInfo.InvariantCulture,
        $"until one in which the runtime's tiering thread took under {QuietShare * 100:0.#} % of the round's time");
    private static readonly TimeSpan MaxTime = TimeSpan.FromMinutes(3);

    /// <summary>Runs <paramref name="round"/> until the JIT of every one of <paramref name="servers"/> is quiet through one; returns the rounds run.</summary>
    public static async Task<int> UntilCompiledAsync(IReadOnlyList<ServerProcess> servers, Func<Task> round)
    {
        var total = Stopwatch.StartNew();
        var rounds = 0;
        while (true)
        {
            var before = servers.Select(TieringSeconds).ToList();
            var watch = Stopwatch.StartNew();
            await round();
            rounds++;
            var elapsed = watch.Elapsed.TotalSeconds;
            var busiest = servers.Select(TieringSeconds).Zip(before, (a, b) => a - b).Max();
            if (busiest < QuietShare * elapsed || total.Elapsed > MaxTime)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warm-up: {rounds} rounds in {total.Elapsed.TotalSeconds:F0} s; tiering in the last round {busiest * 1000:F0} ms of {elapsed * 1000:F0} ms"));
                return rounds;
            }
        }
    }

    /// <summary>The CPU seconds (user and system, in clock ticks of 10 ms) of the server's tiering thread so far.</summary>
    private static double TieringSeconds(ServerProcess server)
    {
        long ticks = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{server.ProcessId}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != ".NET Tiered Com")
                    continue;
                // stat: "tid (comm) state ..."; after the comm, utime and stime are the 12th and 13th fields.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread ended between listing and reading (it stops after a few idle seconds).
            }
        }
        return ticks / 100.0;
    }
}
