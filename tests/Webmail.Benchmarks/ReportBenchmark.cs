using System.Diagnostics;
using System.Globalization;
using System.Text;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// The benchmark report, docs/benchmarks.md, in one command: Webmail beside Postfix → LMTP → Dovecot
/// in the same run, with the same clients. SMTP ingest driven by Postfix's <c>smtp-source</c>
/// against both (end to end: until the last message is in a mailbox), POP3 download and
/// login+STAT+UIDL with our minimal POP3 client against both, the web UI's first page and search on
/// 100,000 messages beside Dovecot's IMAP, the IMAP part (<see cref="ImapBenchmark"/>) on the same
/// 100,000 messages, and the memory of each side at idle and under that load.
/// Webmail runs as the real server process (<c>dotnet Webmail.dll</c>), as Postfix and Dovecot do.
/// Sieve at delivery (<see cref="SieveBenchmark"/>) adds its two goal lines; the everyday web actions with many circuits
/// signed in at once (<see cref="WebCircuitsBenchmark"/>, 50 × 10,000 messages) theirs at p95.
/// The PostgreSQL part (<see cref="PostgresBenchmark"/>: one and two nodes beside SQLite, <c>--postgres-messages</c> per
/// measured run, default 10,000, so that a checkpoint or an index's cleanup falls inside a run the way it does over
/// a day; <c>store migrate</c> of <c>--migrate-messages</c>, default 100,000) runs with <c>--only …,postgres</c> or by default.
/// Usage: <c>report [--out FILE] [--messages N] [--web-messages N] [--imap-sessions N] [--postgres-messages N] [--migrate-messages N] [--circuits N] [--circuit-messages N] [--only smtp,pop3,web,circuits,imap,sieve,postgres]</c>.
/// </summary>
public static class ReportBenchmark
{
    private const string SmtpSource = "/usr/sbin/smtp-source";

    /// <summary>Messages in a round of the SMTP part's warm-up (<see cref="ServerWarmUp"/>).</summary>
    internal const int SmtpWarmUpRound = 1000;
    private const string SmtpUser = "user1";
    private const string OurSmtpUser = "user1@local.example";
    private static readonly string[] PeerUsers = [SmtpUser, "download", "big", "small", "web", .. ImapBenchmark.PeerUsers];

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = IntOption(args, "--messages", 2000);
        var webMessages = IntOption(args, "--web-messages", 100_000);
        var only = StringOption(args, "--only")?.Split(',') ?? ["smtp", "pop3", "web", "circuits", "imap", "sieve", "postgres"];
        var output = StringOption(args, "--out");

        await using var peers = await PeerServers.StartAsync(PeerUsers, Pop3Benchmark.Password);
        if (peers is null || !File.Exists(SmtpSource))
        {
            Console.WriteLine($"report: needs root, {SmtpSource} and Debian's postfix, dovecot-pop3d, dovecot-lmtpd and dovecot-imapd");
            return 1;
        }
        var report = new Report();
        var started = DateTimeOffset.UtcNow;
        var loadAtStart = LoadAverage();
        var postfix = (await PeerServers.RunAsync("/usr/sbin/postconf", "-h", "mail_version")).Trim();
        var dovecot = (await PeerServers.RunAsync("/usr/sbin/dovecot", "--version")).Split(' ')[0];
        await Task.Delay(TimeSpan.FromSeconds(2));
        report.PeerIdle = ProcessMemory.TotalPssKilobytes(PeerServers.Processes);

        if (only.Contains("smtp"))
        {
            await SettleAsync("SMTP");
            await SmtpAsync(report, peers, messages);
        }
        if (only.Contains("pop3"))
        {
            await SettleAsync("POP3");
            await Pop3Async(report, peers);
        }
        if (only.Contains("web"))
            await WebAsync(report, peers, webMessages);
        if (only.Contains("circuits"))
        {
            await SettleAsync("circuits");
            report.Circuits = await WebCircuitsBenchmark.MeasureAsync(IntOption(args, "--circuits", 50), IntOption(args, "--circuit-messages", 10_000));
            foreach (var line in WebCircuitsBenchmark.Describe(report.Circuits))
                Console.WriteLine("report: circuits: " + line);
        }
        if (only.Contains("imap"))
        {
            await SettleAsync("IMAP");
            report.Imap = await ImapBenchmark.MeasureAsync(peers, new ImapBenchmark.Options(webMessages, IntOption(args, "--imap-sessions", 1000), 5, null));
        }

        if (only.Contains("sieve"))
        {
            await SettleAsync("Sieve");
            report.Sieve = await SieveBenchmark.MeasureAsync(messages, 10, 10240);
            Console.WriteLine("report: " + SieveBenchmark.Describe(report.Sieve));
        }

        if (only.Contains("postgres"))
        {
            await SettleAsync("PostgreSQL");
            report.Postgres = await PostgresBenchmark.MeasureAsync(IntOption(args, "--postgres-messages", 10_000), 10240, 10, IntOption(args, "--migrate-messages", 100_000));
        }

        var text = report.Render(started, loadAtStart, LoadAverage(), postfix, dovecot, messages, webMessages);
        Console.WriteLine(text);
        if (output is not null)
            await File.WriteAllTextAsync(output, text);
        return 0;
    }

    private static async Task SmtpAsync(Report report, PeerServers peers, int messages)
    {
        using var directory = new TempDirectory("webmail-report-smtp");
        await using var store = new TestStoreAt(directory.Path);
        var account = await store.CreateAccountAsync(OurSmtpUser);
        await using var server = await ServerProcess.StartAsync(directory.Path, new Dictionary<string, string> { ["Webmail:Limits:MaxSessionsPerIp"] = "1000" });
        await Task.Delay(TimeSpan.FromSeconds(2));
        report.OursIdle = ProcessMemory.PssKilobytes(server.ProcessId);
        async Task<long> Stored() => (await store.Directory.GetAccountAsync(account.Id, default))!.MessageCount;
        // Every case runs on a server that has compiled its hot paths (the first case, one session, came right after
        // the start and ran largely unoptimised code); the pair's daemons are native and need no such warm-up.
        await ServerWarmUp.UntilCompiledAsync([server], () => SmtpSourceAsync(server.SmtpPort, OurSmtpUser, SmtpWarmUpRound, 10, 10240));

        foreach (var size in new[] { 2048, 10240, 102400 })
        {
            foreach (var sessions in new[] { 1, 10, 50 })
            {
                // Ours: 250 means committed, so smtp-source's end is the end.
                await SmtpSourceAsync(server.SmtpPort, OurSmtpUser, 20, 1, size);
                var before = await Stored();
                double ours;
                await using (var peak = new ProcessMemory.PeakSampler(() => ProcessMemory.PssKilobytes(server.ProcessId)))
                {
                    var watch = Stopwatch.StartNew();
                    await SmtpSourceAsync(server.SmtpPort, OurSmtpUser, messages, sessions, size);
                    ours = messages / watch.Elapsed.TotalSeconds;
                    report.OursSmtpPeak = Math.Max(report.OursSmtpPeak, peak.Peak);
                }
                var stored = await Stored() - before;
                if (stored != messages)
                    throw new InvalidOperationException($"Webmail stored {stored} of {messages}.");

                // Theirs: Postfix queues at 250; the run ends when Dovecot has the last message in the maildir.
                double theirs;
                await using (var peak = new ProcessMemory.PeakSampler(() => ProcessMemory.TotalPssKilobytes(PeerServers.Processes)))
                {
                    theirs = await PeerSmtpAsync(messages, sessions, size);
                    report.PeerSmtpPeak = Math.Max(report.PeerSmtpPeak, peak.Peak);
                }
                report.Smtp.Add((sessions, size, ours, theirs));
                Console.WriteLine($"report: SMTP {sessions} sessions × {size / 1024} KB: {ours:F0} vs {theirs:F0} msg/s");
            }
        }
        {
            // A new connection, greeting and EHLO for each message: how most mail from other servers arrives.
            const int sessions = 10, size = 10240;
            await SmtpSourceAsync(server.SmtpPort, OurSmtpUser, 20, 1, size, reuseConnection: false);
            var before = await Stored();
            var watch = Stopwatch.StartNew();
            await SmtpSourceAsync(server.SmtpPort, OurSmtpUser, messages, sessions, size, reuseConnection: false);
            var ours = messages / watch.Elapsed.TotalSeconds;
            if (await Stored() - before != messages)
                throw new InvalidOperationException($"Webmail stored {await Stored() - before} of {messages}.");
            var theirs = await PeerSmtpAsync(messages, sessions, size, reuseConnection: false);
            report.SmtpPerConnection = (ours, theirs);
            Console.WriteLine($"report: SMTP {sessions} sessions × {size / 1024} KB, a connection per message: {ours:F0} vs {theirs:F0} msg/s");
        }
        await Task.Delay(TimeSpan.FromSeconds(10));
        report.OursAfterLoad = ProcessMemory.PssKilobytes(server.ProcessId);
        report.PeerAfterLoad = ProcessMemory.TotalPssKilobytes(PeerServers.Processes);

        async Task<double> PeerSmtpAsync(int count, int sessions, int size, bool reuseConnection = true)
        {
            var peerBefore = peers.Delivered(SmtpUser);
            await SmtpSourceAsync(PeerServers.SmtpPort, $"{SmtpUser}@{PeerServers.Domain}", 20, 1, size, reuseConnection);
            await WaitForAsync(() => peers.Delivered(SmtpUser) >= peerBefore + 20);
            peerBefore = peers.Delivered(SmtpUser);
            var watch = Stopwatch.StartNew();
            await SmtpSourceAsync(PeerServers.SmtpPort, $"{SmtpUser}@{PeerServers.Domain}", count, sessions, size, reuseConnection);
            await WaitForAsync(() => peers.Delivered(SmtpUser) >= peerBefore + count);
            return count / watch.Elapsed.TotalSeconds;
        }
    }

    private static async Task Pop3Async(Report report, PeerServers peers)
    {
        foreach (var (user, count, size) in new[] { ("download", 5_000, 10 * 1024), ("big", 50_000, 2 * 1024) })
        {
            await peers.FillAsync(user, TestMessages.OfSize(size), count);
            await using var ours = await Pop3Benchmark.Setup.CreateAsync($"{user}@bench.example", count, size);
            var theirs = $"{user}@{PeerServers.Domain}";
            var label = $"{count:N0} × {size / 1024} KB";
            await using var oursPeak = new ProcessMemory.PeakSampler(() => ProcessMemory.PssKilobytes(ours.ProcessId));
            await using var theirPeak = new ProcessMemory.PeakSampler(() => ProcessMemory.TotalPssKilobytes(PeerServers.Processes));
            foreach (var pipelined in new[] { false, true })
            {
                var (webmail, dovecot) = await BestOfEachAsync(
                    async () => (await Pop3Benchmark.FullDownloadAsync(ours.Port, ours.Address, count, pipelined)).Elapsed,
                    async () => (await Pop3Benchmark.FullDownloadAsync(PeerServers.Pop3Port, theirs, count, pipelined)).Elapsed);
                report.Pop3.Add(($"download {label}, {(pipelined ? "pipelined" : "one RETR at a time")}", webmail, dovecot));
            }
            var (uidl, theirUidl) = await BestOfEachAsync(
                async () => (await Pop3Benchmark.LoginStatUidlAsync(ours.Port, ours.Address, count)).Total,
                async () => (await Pop3Benchmark.LoginStatUidlAsync(PeerServers.Pop3Port, theirs, count)).Total);
            report.Pop3.Add(($"login + STAT + UIDL, {label}", uidl, theirUidl));
            report.OursPop3Peak = Math.Max(report.OursPop3Peak, oursPeak.Peak);
            report.PeerPop3Peak = Math.Max(report.PeerPop3Peak, theirPeak.Peak);
            foreach (var row in report.Pop3.TakeLast(3))
                Console.WriteLine($"report: POP3 {row.What}: {row.Ours.TotalSeconds:F3} vs {row.Theirs.TotalSeconds:F3} s");
        }
    }

    private static async Task WebAsync(Report report, PeerServers peers, int count)
    {
        await peers.FillAsync("web", Enumerable.Range(0, count).Select(i => WebBenchmark.Corpus(i, $"web@{PeerServers.Domain}")));
        await using var ours = await WebBenchmark.Setup.CreateAsync(count);
        await SettleAsync("web");
        await using (var peak = new ProcessMemory.PeakSampler(() => ProcessMemory.PssKilobytes(ours.Server.ProcessId)))
        {
            report.Web = await WebBenchmark.MeasureAsync(ours);
            report.OursWebPeak = peak.Peak;
        }
        var user = $"web@{PeerServers.Domain}";
        await using (var peak = new ProcessMemory.PeakSampler(() => ProcessMemory.TotalPssKilobytes(PeerServers.Processes)))
        {
            report.ImapFirstPage = await Samples.OfAsync(5, () => ImapProbe.FirstPageAsync(PeerServers.ImapPort, user, Pop3Benchmark.Password, 50));
            await using var imap = await ImapProbe.ConnectAsync(PeerServers.ImapPort);
            await imap.CommandAsync($"LOGIN {user} \"{Pop3Benchmark.Password}\"");
            await imap.CommandAsync("SELECT INBOX");
            report.ImapRare = await Samples.OfAsync(3, async () => (report.ImapRareMatches = (await imap.SearchBodyAsync(WebBenchmark.RareWord)).Matches));
            report.ImapCommon = await Samples.OfAsync(3, async () => (report.ImapCommonMatches = (await imap.SearchBodyAsync(WebBenchmark.CommonWord)).Matches));
            report.PeerWebPeak = peak.Peak;
        }
        Console.WriteLine($"report: web first list {report.Web.FirstList.Median:F0} ms, IMAP first page {report.ImapFirstPage.Median:F0} ms; search {report.Web.StoreRare.Median:F2} ms vs IMAP BODY {report.ImapRare.Median:F0} ms");
    }

    /// <param name="reuseConnection">Each session sends all its messages over one connection (<c>-d</c>); else a new connection for each.</param>
    internal static async Task SmtpSourceAsync(int port, string to, int messages, int sessions, int size, bool reuseConnection = true)
    {
        string[] arguments = [.. reuseConnection ? ["-d"] : Array.Empty<string>(), "-s", sessions.ToString(CultureInfo.InvariantCulture), "-m", messages.ToString(CultureInfo.InvariantCulture),
            "-l", size.ToString(CultureInfo.InvariantCulture), "-M", "bench.example", "-f", "load@remote.example", "-t", to, $"127.0.0.1:{port}"];
        var output = await PeerServers.RunAsync(SmtpSource, arguments);
        if (output.Contains("error", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("smtp-source: " + output);
    }

    /// <summary>
    /// Waits (at most two minutes) for the 1-minute load average to fall below 1 before a part is
    /// measured: on two cores the work left behind by the part before (the peers' queues and indexes,
    /// a deleted store, a 100,000-message fill) otherwise lands in the next part's figures.
    /// </summary>
    private static async Task SettleAsync(string part)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2) && OneMinuteLoad() >= 1.0)
            await Task.Delay(TimeSpan.FromSeconds(5));
        Console.WriteLine($"report: {part} part starts after {waited.Elapsed.TotalSeconds:F0} s, load average {LoadAverage()}");
    }

    private static double OneMinuteLoad() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : 0;

    private static async Task WaitForAsync(Func<bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException("Postfix+Dovecot did not deliver every message within 10 minutes.");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// One warm-up each, then five rounds taking turns (ours, theirs), best of each: on two cores a
    /// burst of background work lasts seconds, and taking turns lets it fall on both sides alike.
    /// </summary>
    private static async Task<(TimeSpan Ours, TimeSpan Theirs)> BestOfEachAsync(Func<Task<TimeSpan>> ours, Func<Task<TimeSpan>> theirs)
    {
        await ours();
        await theirs();
        var best = (Ours: TimeSpan.MaxValue, Theirs: TimeSpan.MaxValue);
        for (var i = 0; i < 5; i++)
        {
            var a = await ours();
            var b = await theirs();
            best = (a < best.Ours ? a : best.Ours, b < best.Theirs ? b : best.Theirs);
        }
        return best;
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string? StringOption(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        int.TryParse(StringOption(args, name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
