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
        var duration = TimeSpan.FromMinutes(Option(args, "--minutes", 10));
        var smtpSessions = (int)Option(args, "--smtp", 200);
        var pop3Sessions = (int)Option(args, "--pop3", 50);
        var browsers = (int)Option(args, "--browsers", 20);
        var users = Enumerable.Range(0, Math.Max(1, Math.Max(pop3Sessions, browsers))).Select(i => $"user{i}@local.example").ToArray();

        using var dataDirectory = new TempDirectory("webmail-soak");
        await CreateAccountsAsync(dataDirectory.Path, users);
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
                pages[b] = await SignInAsync(browser!, baseUrl, users[b]);
                stats.RecordBrowserAction("sign-in", signIn.Elapsed.TotalMilliseconds);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                stats.Record("web sign-in before load", e);
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
            samples.Add(new RssSample(clock.Elapsed, ResidentKilobytes(server.ProcessId), stats.Delivered));
            Console.WriteLine($"soak: t={clock.Elapsed.TotalSeconds,4:F0} s  VmRSS {samples[^1].Kilobytes / 1024.0,6:F1} MB  delivered {stats.Delivered}  pop3 {stats.Pop3Sessions}  web {stats.BrowserActions}  errors {stats.Errors.Values.Sum()}  limits {stats.Limits.Values.Sum()}");
            if (load.IsCompleted)
                break;
            await Task.WhenAny(load, Task.Delay(SampleInterval));
        }
        await load;
        var serverAlive = !server.HasExited;
        Report(stats, samples, clock.Elapsed, duration, serverAlive, server.RecentOutput);
        return stats.Errors.IsEmpty && serverAlive ? 0 : 1;
    }

    /// <summary>The accounts, written into the data directory before the server first starts (as the resilience harness does).</summary>
    private static async Task CreateAccountsAsync(string dataDirectory, string[] users)
    {
        await using var store = new TestStoreAt(dataDirectory);
        // The first creates the domain; the password KDF is deliberately slow, so the rest go two at a time.
        await store.CreateAccountAsync(users[0], Password);
        await Parallel.ForEachAsync(users.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (user, _) => await store.CreateAccountAsync(user, Password));
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
                stats.Record("smtp", e);
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
                stats.Record("pop3", e);
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
                    page = await SignInAsync(browser, baseUrl, user);
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
                stats.Record("web " + action, e);
                if (page is not null)
                    await CloseAsync(page);
                page = null;
            }
        }
        if (page is not null)
            await CloseAsync(page);
    }

    /// <summary>Closes a page's context (and its renderer process); a browser too busy to answer is not an error of the run.</summary>
    private static async Task CloseAsync(IPage page)
    {
        try
        {
            await page.Context.CloseAsync();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
        }
    }

    private static async Task<IPage> SignInAsync(Browser browser, string baseUrl, string user)
    {
        var page = await browser.NewPageAsync();
        try
        {
            // Playwright's 30 s default is too short for a first sign-in (KDF, JIT, circuit start) on a saturated machine.
            page.SetDefaultTimeout(60_000);
            await page.GotoAsync(baseUrl + "/signin");
            await page.GetByLabel("Email address").FillAsync(user);
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
            await Browser.WaitForInteractiveAsync(page);
            return page;
        }
        catch
        {
            // A failed sign-in must not leave its page behind: in a 30-minute run every retry left a
            // renderer process, 150 of them drove the load past 100 and every circuit failed after that.
            await CloseAsync(page);
            throw;
        }
    }

    /// <summary>What a circuit does in turn; each returns false when there was nothing to do (an empty Inbox).</summary>
    private static readonly (string Name, Func<IPage, string, Task<bool>> Run)[] BrowserActions =
    [
        ("folder", (page, _) => OpenFolderAsync(page, "Sent")),
        ("folder", (page, _) => OpenFolderAsync(page, "Inbox")),
        ("open message", async (page, _) =>
        {
            var link = page.Locator(".message-link").First;
            if (await page.Locator(".message-link").CountAsync() == 0)
                return false;
            await link.ClickAsync();
            await page.Locator(".reader-toolbar").WaitForAsync();
            return true;
        }),
        ("search", async (page, word) =>
        {
            var search = page.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" });
            await search.FillAsync(word);
            await search.PressAsync("Enter");
            await page.GetByText("Results for").WaitForAsync();
            await page.Locator(".mud-progress-linear").WaitForAsync(new() { State = WaitForSelectorState.Detached });
            return true;
        }),
    ];

    private static async Task<bool> OpenFolderAsync(IPage page, string name)
    {
        await page.Locator(".folder-link", new() { HasText = name }).ClickAsync();
        await page.Locator(".folder-item--current", new() { HasText = name }).WaitForAsync();
        await page.Locator(".mud-progress-linear").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        return true;
    }

    /// <summary>VmRSS of a process from /proc/&lt;pid&gt;/status, in kB (0 once it is gone).</summary>
    private static long ResidentKilobytes(int processId)
    {
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void Report(SoakStats stats, List<RssSample> samples, TimeSpan elapsed, TimeSpan duration, bool serverAlive, string serverOutput)
    {
        Console.WriteLine();
        Console.WriteLine($"soak: {elapsed.TotalSeconds:F0} s, server {(serverAlive ? "still running" : "EXITED during the run")}");
        Console.WriteLine($"messages delivered (250 after DATA): {stats.Delivered} ({stats.Delivered / elapsed.TotalSeconds:F0} msg/s)");
        Console.WriteLine($"SMTP transaction latency, MAIL to final 250: {Percentiles(stats.SmtpLatenciesMs)}");
        Console.WriteLine($"POP3 sessions completed: {stats.Pop3Sessions} ({stats.Pop3Deleted} messages deleted); session time {Percentiles(stats.Pop3LatenciesMs)}");
        Console.WriteLine($"browser actions: {stats.BrowserActions}");
        foreach (var (action, latencies) in stats.BrowserLatenciesMs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.WriteLine($"  {action,-13} {latencies.Count,6}  {Percentiles(latencies)}");
        Console.WriteLine($"deliberate limits: {Describe(stats.Limits)}");
        Console.WriteLine($"errors: {Describe(stats.Errors)}");

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

    private static string Percentiles(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return "n/a";
        var sorted = values.Order().ToArray();
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        return $"p50 {At(0.50):F1} ms, p95 {At(0.95):F1} ms, p99 {At(0.99):F1} ms, max {sorted[^1]:F1} ms";
    }

    private static string Describe(ConcurrentDictionary<string, int> counts) =>
        counts.IsEmpty ? "none" : string.Join("; ", counts.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Value} × {kv.Key}"));

    private static double Option(string[] args, string name, double fallback)
    {
        var value = args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return value is not null && double.TryParse(value, CultureInfo.InvariantCulture, out var n) ? n : fallback;
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
        public readonly ConcurrentDictionary<string, int> Errors = new();
        public readonly ConcurrentDictionary<string, int> Limits = new();

        public void RecordBrowserAction(string action, double milliseconds)
        {
            Interlocked.Increment(ref BrowserActions);
            BrowserLatenciesMs.GetOrAdd(action, _ => new ConcurrentQueue<double>()).Enqueue(milliseconds);
        }

        /// <summary>Counts a failure by kind; the server's "too many connections" refusals are deliberate limits, not errors.</summary>
        public void Record(string protocol, Exception e)
        {
            var kind = e switch
            {
                ReplyException r => $"{protocol} reply \"{Shorten(r.Reply)}\"",
                SocketException s => $"{protocol} socket {s.SocketErrorCode}",
                OperationCanceledException => $"{protocol} still waiting a minute after the end",
                // Playwright's message is a line and a call log; the log's last step says what it waited for.
                _ => $"{protocol} {e.GetType().Name}: {Shorten(string.Join(" ", e.Message.Split('\n').Where(l => !l.StartsWith("Call log", StringComparison.Ordinal)).Take(2)))}",
            };
            var deliberate = e is ReplyException { Reply: var reply } && reply.Contains("Too many connections", StringComparison.OrdinalIgnoreCase);
            (deliberate ? Limits : Errors).AddOrUpdate(kind, 1, (_, n) => n + 1);
        }

        private static string Shorten(string text) => text.Length <= 70 ? text : text[..70] + "…";
    }
}
