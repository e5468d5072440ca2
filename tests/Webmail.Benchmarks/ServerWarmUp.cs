using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Webmail.Resilience.Tests.Harness;

namespace Webmail.Benchmarks;

/// <summary>
/// Warms a server process up until its runtime has compiled the hot paths, as in a server that has run for a while.
/// A fresh process runs its code first unoptimised and recompiles what is hot on a background thread; under a load
/// that fills both cores that recompilation took 10 % of the machine (a fifth of the server's CPU) for 30–40 s after
/// the start, so a run measured in that time counted the compiler (session 22, docs/benchmarks-changes.md). The rounds
/// go on until one in which every server's JIT (<c>dotnet_jit_compilation_time_seconds_total</c> on its
/// <c>/metrics</c>) took under <see cref="QuietShare"/> of the round's time.
/// </summary>
internal static class ServerWarmUp
{
    /// <summary>The metrics token the benchmarks start their servers with.</summary>
    public const string MetricsToken = "benchmark-metrics";

    /// <summary>The server setting that turns <c>/metrics</c> on.</summary>
    public static KeyValuePair<string, string> MetricsSetting => new("Webmail:Metrics:Token", MetricsToken);

    private const double QuietShare = 0.01;
    private static readonly TimeSpan MaxTime = TimeSpan.FromMinutes(3);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Runs <paramref name="round"/> until the JIT of every one of <paramref name="servers"/> is quiet through one; returns the rounds run.</summary>
    public static async Task<int> UntilCompiledAsync(IReadOnlyList<ServerProcess> servers, Func<Task> round)
    {
        var total = Stopwatch.StartNew();
        var rounds = 0;
        while (true)
        {
            var before = await Task.WhenAll(servers.Select(JitSecondsAsync));
            var watch = Stopwatch.StartNew();
            await round();
            rounds++;
            var elapsed = watch.Elapsed.TotalSeconds;
            var after = await Task.WhenAll(servers.Select(JitSecondsAsync));
            var busiest = after.Zip(before, (a, b) => a - b).Max();
            if (busiest < QuietShare * elapsed || total.Elapsed > MaxTime)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warm-up: {rounds} rounds in {total.Elapsed.TotalSeconds:F0} s; JIT in the last round {busiest * 1000:F0} ms of {elapsed * 1000:F0} ms"));
                return rounds;
            }
        }
    }

    /// <summary>The seconds the server's JIT has spent compiling since it started.</summary>
    private static async Task<double> JitSecondsAsync(ServerProcess server)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.WebPort}/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MetricsToken);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        const string name = "dotnet_jit_compilation_time_seconds_total";
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"The server's /metrics has no {name}.");
    }
}
