using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Playwright;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Load and soak against the real server process (<c>dotnet Webmail.dll</c>, temp data directory,
/// every endpoint on 127.0.0.1): SMTP sessions delivering to local accounts over the inbound port,
/// POP3 sessions (login, STAT, UIDL, RETR, DELE on every other one, QUIT) and signed-in browser
/// circuits (Chromium pages switching folder, opening a message, searching), all looping for a bounded
/// time while the server's VmRSS is sampled every 10 s. See docs/benchmarks-soak.md.
/// Usage: <c>soak [--minutes 10] [--smtp 200] [--pop3 50] [--browsers 20]</c>.
/// </summary>
public static class SoakBenchmark
{
    private const string Password = "correct horse";
    private const int MessagesPerSmtpConnection = 20;
    private const int RetrievedPerPop3Session = 5;
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BrowserPause = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args)
    {
        var duration = TimeSpan.FromMinutes(BenchmarkOptions.Number(args, "--minutes", 10));
        var smtpSessions = (int)BenchmarkOptions.Number(args, "--smtp", 200);
        var pop3Sessions = (int)BenchmarkOptions.Number(args, "--pop3", 50);
        var browsers = (int)BenchmarkOptions.Number(args, "--browsers", 20);
        var users = Enumerable.Range(0, Math.Max(1, Math.Max(pop3Sessions, browsers))).Select(i => $"user{i}@local.example").ToArray();

        using var dataDirectory = new TempDirectory("webmail-soak");
        await BenchmarkAccounts.CreateAsync(dataDirectory.Path, users);
        // Every client comes from 127.0.0.1: the per-IP cap (default 20) is raised above the run's own sessions.
        var sessionCap = smtpSessions + pop3Sessions + 50;
        var pop3Port = FreePort.Next();
        await using var server = await ServerProcess.StartAsync(dataDirectory.Path, new Dictionary<string, string>
        {
            ["Webmail:Limits:MaxSessionsPerIp"] = sessionCap.ToString(CultureInfo.InvariantCulture),
            ["Webmail:Pop3:Endpoint"] = $"127.0.0.1:{pop3Port}",
        });
        Console.WriteLine($"soak: server pid {server.ProcessId}, {duration.TotalMinutes:F1} min, {smtpSessions} SMTP, {pop3Sessions} POP3, {browsers} browser circuits, MaxSessionsPerIp={sessionCap}, {users.Length} accounts");

        var stats = new SoakStats();
        await using var browser = browsers > 0 ? await Browser.LaunchAsync() : null;
        var baseUrl = $"http://127.0.0.1:{server.WebPort}";
        // The circuits are signed in before the load starts, as people are at their desks when mail
        // arrives: a sign-in pays the deliberately slow KDF and the circuit start, which on two cores
        // under 250 protocol sessions can take longer than a browser waits.
        var pages = new IPage?[browsers];
        var signIn = Stopwatch.StartNew();
        for (var b = 0; b < browsers; b++)
        {
            try
            {
                pages[b] = await WebCircuit.SignInAsync(browser!, baseUrl, users[b]);
                stats.RecordBrowserAction("sign-in", signIn.Elapsed.TotalMilliseconds);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                stats.Failures.Record("web sign-in before load", e);
            }
            signIn.Restart();
        }
        Console.WriteLine($"soak: {pages.Count(p => p is not null)} of {browsers} browser circuits signed in before the load");
        // The run's time counts from here, once the circuits are up.
        using var stop = new CancellationTokenSource(duration);
        // A transaction in flight when the time is up may finish; one still stuck a minute later is cut off.
        using var abort = new CancellationTokenSource(duration + TimeSpan.FromMinutes(1));
        var clock = Stopwatch.StartNew();
        var load = Task.WhenAll(
            Enumerable.Range(0, smtpSessions).Select(s => Task.Run(() => SmtpLoopAsync(server.SmtpPort, s, users, stats, stop.Token, abort.Token)))
                .Concat(Enumerable.Range(0, pop3Sessions).Select(p => Task.Run(() => Pop3LoopAsync(pop3Port, users[p], p, stats, stop.Token, abort.Token))))
                .Concat(Enumerable.Range(0, browsers).Select(b => BrowserLoopAsync(browser!, pages[b], baseUrl, users[b], b, smtpSessions, stats, stop.Token))));

        var samples = new List<RssSample>();
        while (true)
        {
            samples.Add(new RssSample(clock.Elapsed, ProcessMemory.ResidentKilobytes(server.ProcessId), stats.Delivered));
            Console.WriteLine($"soak: t={clock.Elapsed.TotalSeconds,4:F0} s  VmRSS {samples[^1].Kilobytes / 1024.0,6:F1} MB  delivered {stats.Delivered}  pop3 {stats.Pop3Sessions}  web {stats.BrowserActions}  errors {stats.Failures.Errors.Values.Sum()}  limits {stats.Failures.Limits.Values.Sum()}");
            if (load.IsCompleted)
                break;
            await Task.WhenAny(load, Task.Delay(SampleInterval));
        }
        await load;
        var serverAlive = !server.HasExited;
        Report(stats, samples, clock.Elapsed, duration, serverAlive, server.RecentOutput);
        return stats.Failures.Errors.IsEmpty && serverAlive ? 0 : 1;
    }

    /// <summary>One SMTP session slot: connect, <see cref="MessagesPerSmtpConnection"/> transactions, QUIT, reconnect, until stopped.</summary>
    private static async Task SmtpLoopAsync(int port, int session, string[] users, SoakStats stats, CancellationToken stop, CancellationToken abort)
    {
        var message = SmtpLoadClient.WithFinalDot(TestMessages.OfSize(2048, subject: $"soak load s{session}", to: users[session % users.Length]));
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var client = await SmtpLoadClient.ConnectAsync(port, abort);
                for (var i = 0; i < MessagesPerSmtpConnection && !stop.IsCancellationRequested; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await client.SendAsync($"load{session}@remote.example", users[(session + sent++) % users.Length], message, abort);
                    stats.SmtpLatenciesMs.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref stats.Delivered);
                }
                await client.QuitAsync(abort);
            }
            catch (Exception e) when (e is ReplyException or IOException or SocketException or OperationCanceledException)
            {
                stats.Failures.Record("smtp", e);
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    /// <summary>One POP3 client polling its own maildrop (RFC 1939 locks it per session) back to back until stopped.</summary>
    private static async Task Pop3LoopAsync(int port, string user, int index, SoakStats stats, CancellationToken stop, CancellationToken abort)
    {
        // Stagger the first logins (each pays the password KDF once; later ones hit the verified-password
        // cache): 50 at the same instant hold the server's thread pool for tens of seconds on two cores.
        await Task.Delay(TimeSpan.FromMilliseconds(200 * index), CancellationToken.None);
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                await using var client = await Pop3LoadClient.ConnectAsync(port, abort);
                await client.ExpectOkAsync("USER " + user, abort);
                await client.ExpectOkAsync("PASS " + Password, abort);
                var stat = await client.ExpectOkAsync("STAT", abort);
                var count = int.Parse(stat.Split(' ')[1], CultureInfo.InvariantCulture);
                await client.ExpectOkAsync("UIDL", abort);
                await client.SkipMultilineAsync(abort);
                var retrieved = Math.Min(count, RetrievedPerPop3Session);
                for (var n = 1; n <= retrieved; n++)
                {
                    await client.ExpectOkAsync($"RETR {n}", abort);
                    await client.SkipMultilineAsync(abort);
                }
                // DELE on every other session, so the maildrops are both read and drained.
                var deleted = round % 2 == 1 ? retrieved : 0;
                for (var n = 1; n <= deleted; n++)
                    await client.ExpectOkAsync($"DELE {n}", abort);
                await client.ExpectOkAsync("QUIT", abort);
                stats.Pop3LatenciesMs.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref stats.Pop3Sessions);
                Interlocked.Add(ref stats.Pop3Deleted, deleted);
            }
            catch (Exception e) when (e is ReplyException or IOException or SocketException or OperationCanceledException or FormatException)
            {
                stats.Failures.Record("pop3", e);
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// One signed-in circuit: a Chromium page that signs in through the form, then every few seconds
    /// does the next of: Sent folder, Inbox, open the newest message, search a sender's word. A failure
    /// is counted and the circuit starts over with a fresh page (signing in again).
    /// </summary>
    private static async Task BrowserLoopAsync(Browser browser, IPage? page, string baseUrl, string user, int index, int smtpSessions, SoakStats stats, CancellationToken stop)
    {
        for (var step = 0; !stop.IsCancellationRequested; step++)
        {
            var action = page is null ? "sign-in" : BrowserActions[step % BrowserActions.Length].Name;
            try
            {
                var started = Stopwatch.GetTimestamp();
                if (page is null)
                    page = await WebCircuit.SignInAsync(browser, baseUrl, user);
                else if (!await BrowserActions[step % BrowserActions.Length].Run(page, $"s{(index * 7) % Math.Max(1, smtpSessions)}"))
                    continue;
                stats.RecordBrowserAction(action, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await Task.Delay(BrowserPause + TimeSpan.FromMilliseconds(Random.Shared.Next(1000)), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                stats.Failures.Record("web " + action, e);
                if (page is not null)
                    await WebCircuit.CloseAsync(page);
                page = null;
            }
        }
        if (page is not null)
            await WebCircuit.CloseAsync(page);
    }

    /// <summary>What a circuit does in turn; each returns false when there was nothing to do (an empty Inbox).</summary>
    private static readonly (string Name, Func<IPage, string, Task<bool>> Run)[] BrowserActions =
    [
        ("folder", (page, _) => WebCircuit.OpenFolderAsync(page, "Sent")),
        ("folder", (page, _) => WebCircuit.OpenFolderAsync(page, "Inbox")),
        ("open message", (page, _) => WebCircuit.OpenNewestAsync(page)),
        ("search", WebCircuit.SearchAsync),
    ];

    private static void Report(SoakStats stats, List<RssSample> samples, TimeSpan elapsed, TimeSpan duration, bool serverAlive, string serverOutput)
    {
        Console.WriteLine();
        Console.WriteLine($"soak: {elapsed.TotalSeconds:F0} s, server {(serverAlive ? "still running" : "EXITED during the run")}");
        Console.WriteLine($"messages delivered (250 after DATA): {stats.Delivered} ({stats.Delivered / elapsed.TotalSeconds:F0} msg/s)");
        Console.WriteLine($"SMTP transaction latency, MAIL to final 250: {Percentiles.Describe(stats.SmtpLatenciesMs)}");
        Console.WriteLine($"POP3 sessions completed: {stats.Pop3Sessions} ({stats.Pop3Deleted} messages deleted); session time {Percentiles.Describe(stats.Pop3LatenciesMs)}");
        Console.WriteLine($"browser actions: {stats.BrowserActions}");
        foreach (var (action, latencies) in stats.BrowserLatenciesMs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.WriteLine($"  {action,-13} {latencies.Count,6}  {Percentiles.Describe(latencies)}");
        Console.WriteLine($"deliberate limits: {FailureTally.Describe(stats.Failures.Limits)}");
        Console.WriteLine($"errors: {FailureTally.Describe(stats.Failures.Errors)}");

        Console.WriteLine("server VmRSS every 10 s (t s: MB, delivered so far):");
        Console.WriteLine(string.Join("\n", samples.Select(s => $"  {s.At.TotalSeconds,4:F0}: {s.Kilobytes / 1024.0,6:F1}  {s.Delivered}")));
        // Warm-up: the first minute (a fifth of a short run); the rest is cut in thirds and the peaks compared.
        var warmUp = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, duration.Ticks / 5));
        var steady = samples.Where(s => s.At >= warmUp && s.At <= duration).ToList();
        if (steady.Count >= 3)
        {
            var third = steady.Count / 3;
            var first = steady.Take(third).Max(s => s.Kilobytes);
            var last = steady.Skip(steady.Count - third).Max(s => s.Kilobytes);
            var growth = (double)last / first - 1;
            Console.WriteLine($"VmRSS after {warmUp.TotalSeconds:F0} s warm-up: first third max {first / 1024.0:F1} MB, last third max {last / 1024.0:F1} MB, {growth:+0.0%;-0.0%} → {(growth <= 0.10 ? "flat (within 10 %)" : "GROWING")}");
        }
        var serverLines = serverOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Console.WriteLine($"server log (warnings and above; last {Math.Min(20, serverLines.Length)} of {serverLines.Length} kept lines):");
        foreach (var line in serverLines.TakeLast(20))
            Console.WriteLine("  " + line);
    }

    private sealed record RssSample(TimeSpan At, long Kilobytes, long Delivered);

    /// <summary>What the load loops saw; counters are updated with Interlocked from every loop.</summary>
    private sealed class SoakStats
    {
        public long Delivered;
        public long Pop3Sessions;
        public long Pop3Deleted;
        public long BrowserActions;
        public readonly ConcurrentQueue<double> SmtpLatenciesMs = new();
        public readonly ConcurrentQueue<double> Pop3LatenciesMs = new();
        public readonly ConcurrentDictionary<string, ConcurrentQueue<double>> BrowserLatenciesMs = new();
        public readonly FailureTally Failures = new();

        public void RecordBrowserAction(string action, double milliseconds)
        {
            Interlocked.Increment(ref BrowserActions);
            BrowserLatenciesMs.GetOrAdd(action, _ => new ConcurrentQueue<double>()).Enqueue(milliseconds);
        }
    }
}
