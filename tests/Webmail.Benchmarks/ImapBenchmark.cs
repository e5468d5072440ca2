using System.Diagnostics;
using System.Globalization;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// IMAP beside Dovecot 2.3 in the same run, with the same client (<see cref="ImapProbe"/>, a raw
/// socket client) for both: login + SELECT on a 100,000-message INBOX, <c>UID FETCH 1:* (FLAGS)</c>,
/// <c>FETCH 1:* (ENVELOPE)</c>, <c>SEARCH TEXT</c> for a rare and a common word, the download of
/// 5,000 × 10 KB with <c>BODY.PEEK[]</c>, a QRESYNC resync after 1,000 changes with and without
/// COMPRESS (<see cref="ImapResync"/>, time and octets on the wire), IDLE latency from an SMTP 250 to the untagged EXISTS,
/// <c>mbsync</c>'s initial sync of 10,000 messages, and the memory of 1,000 IDLE sessions.
/// Each line: one warm-up each, then the runs taking turns (Webmail, Dovecot); medians.
/// Usage: <c>imap [--messages N] [--sessions N] [--runs N] [--out FILE]</c> (as root: it starts Postfix and Dovecot).
/// </summary>
public static class ImapBenchmark
{
    /// <summary>The Dovecot users of this part (at <see cref="PeerServers.Domain"/>).</summary>
    internal static readonly string[] PeerUsers = [BigUser, DownloadUser, SyncUser, IdleUser];

    private const string BigUser = "imapbig", DownloadUser = "imapdl", SyncUser = "imapsync", IdleUser = "imapidle";
    private const string OurDomain = "imap.example";
    private const int DownloadCount = 5_000, DownloadSize = 10 * 1024, SyncCount = 10_000, SyncSize = 4 * 1024;

    /// <summary>The whole part must end by itself: every client read gives up after this.</summary>
    private static readonly TimeSpan PartBound = TimeSpan.FromMinutes(20);

    /// <summary>Runs the part; without root or the Debian packages it says so and fails, unless <paramref name="optional"/> (as in <c>all</c>).</summary>
    public static async Task<int> RunAsync(string[] args, bool optional = false)
    {
        var options = Options.Parse(args);
        await using var peers = await PeerServers.StartAsync(PeerUsers, Pop3Benchmark.Password);
        if (peers is null)
        {
            Console.WriteLine("imap: skipped; needs root and Debian's postfix, dovecot-lmtpd and dovecot-imapd (Dovecot is measured beside Webmail)");
            return optional ? 0 : 1;
        }
        var started = DateTimeOffset.UtcNow;
        var figures = await MeasureAsync(peers, options);
        var text = Report.RenderImapPart(figures, started);
        Console.WriteLine(text);
        if (options.Output is not null)
            await File.WriteAllTextAsync(options.Output, text);
        return 0;
    }

    /// <summary>
    /// Webmail's side only, for working on its speed: fills <c>--dir</c> once (kept for the next run),
    /// then times each line <c>--runs</c> times. Usage: <c>imap-profile [--dir DIR] [--messages N] [--runs N]</c>.
    /// </summary>
    public static async Task<int> ProfileAsync(string[] args)
    {
        var options = Options.Parse(args);
        var directory = Array.IndexOf(args, "--dir") is var d and >= 0 && d + 1 < args.Length ? args[d + 1] : Path.Combine(Path.GetTempPath(), "webmail-imap-profile");
        Directory.CreateDirectory(directory);
        if (!File.Exists(Path.Combine(directory, "filled")))
        {
            await using (var store = new TestStoreAt(directory))
            {
                var fill = Stopwatch.StartNew();
                await Setup.DeliverAsync(store, BigUser, options.Messages, (i, to) => WebBenchmark.Corpus(i, to));
                var sized = TestMessages.OfSize(DownloadSize);
                await Setup.DeliverAsync(store, DownloadUser, DownloadCount, (_, _) => sized);
                Console.WriteLine($"imap-profile: filled {directory} in {fill.Elapsed.TotalSeconds:F0} s");
            }
            await File.WriteAllTextAsync(Path.Combine(directory, "filled"), "");
        }
        await using var server = await ServerProcess.StartAsync(directory);
        var port = server.ImapPort;
        var big = $"{BigUser}@{OurDomain}";
        await Line("login + SELECT", () => LoginSelectAsync(port, big, default));
        await using (var session = await OpenAsync(port, big, default))
        {
            await Line("FETCH 1:* (ENVELOPE)", () => ExpectLinesAsync(session, "FETCH 1:* (ENVELOPE)", options.Messages));
            await Line("SEARCH rare", async () => (await SearchAsync(session, WebBenchmark.RareWord)).Elapsed);
            await Line("SEARCH common", async () => (await SearchAsync(session, WebBenchmark.CommonWord)).Elapsed);
            await Line("UID FETCH 1:* (FLAGS)", () => ExpectLinesAsync(session, "UID FETCH 1:* (FLAGS)", options.Messages));
        }
        await using (var session = await OpenAsync(port, $"{DownloadUser}@{OurDomain}", default))
            await Line("download", () => DownloadAsync(session));
        return 0;

        async Task Line(string what, Func<Task<TimeSpan>> run)
        {
            var samples = new Samples();
            await run();
            for (var i = 0; i < options.Runs; i++)
                samples.Add(await run());
            Console.WriteLine($"imap-profile: {what}: {samples.Median:F1} ms ({samples})");
        }
    }

    /// <summary>The figures of one run; every <see cref="Samples"/> is in milliseconds.</summary>
    internal sealed class Figures
    {
        public int Messages { get; init; }
        public int Runs { get; init; }
        public List<(string What, Samples Ours, Samples Theirs)> Lines { get; } = [];
        /// <summary>Octets on the wire both ways for a line, and what its changes need (<see cref="ImapResync"/>).</summary>
        public List<(string What, long Ours, long Theirs, long Need)> Bytes { get; } = [];
        public (int Ours, int Theirs) RareMatches { get; set; }
        public (int Ours, int Theirs) CommonMatches { get; set; }
        public ImapIdleSessions.Memory? Memory { get; set; }
        public string LoadAtStart { get; set; } = "";
        public string LoadAtEnd { get; set; } = "";
        public TimeSpan Elapsed { get; set; }

        /// <summary>The line whose label starts with <paramref name="prefix"/>, if measured.</summary>
        public (string What, Samples Ours, Samples Theirs)? Line(string prefix)
        {
            foreach (var line in Lines)
            {
                if (line.What.StartsWith(prefix, StringComparison.Ordinal))
                    return line;
            }
            return null;
        }
    }

    internal sealed record Options(int Messages, int Sessions, int Runs, string? Output)
    {
        public static Options Parse(string[] args) => new(
            IntOption(args, "--messages", 100_000), IntOption(args, "--sessions", 1_000), IntOption(args, "--runs", 5), StringOption(args, "--out"));

        private static string? StringOption(string[] args, string name) =>
            Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

        private static int IntOption(string[] args, string name, int fallback) =>
            int.TryParse(StringOption(args, name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    internal static async Task<Figures> MeasureAsync(PeerServers peers, Options options)
    {
        using var bound = new CancellationTokenSource(PartBound);
        var part = Stopwatch.StartNew();
        var figures = new Figures { Messages = options.Messages, Runs = options.Runs, LoadAtStart = ReportBenchmark.LoadAverage() };
        await using var ours = await FillAsync(peers, options);
        Console.WriteLine($"imap: filled both sides in {part.Elapsed.TotalSeconds:F0} s; load average {ReportBenchmark.LoadAverage()}");
        await Task.Delay(TimeSpan.FromSeconds(10));

        var token = bound.Token;
        // First, on a server that has done nothing yet: the IDLE sessions' memory, on a 10-message INBOX.
        figures.Memory = await ImapIdleSessions.MemoryAsync(ours.Server, peers, $"{IdleUser}@{OurDomain}", $"{IdleUser}@{PeerServers.Domain}", options.Sessions, token);
        var big = (Ours: $"{BigUser}@{OurDomain}", Theirs: $"{BigUser}@{PeerServers.Domain}");
        var ourPort = ours.Server.ImapPort;

        await TimeAsync(figures, $"login + SELECT INBOX ({options.Messages:N0} messages)",
            () => LoginSelectAsync(ourPort, big.Ours, token), () => LoginSelectAsync(PeerServers.ImapPort, big.Theirs, token));

        await using (var ourSession = await OpenAsync(ourPort, big.Ours, token))
        await using (var theirSession = await OpenAsync(PeerServers.ImapPort, big.Theirs, token))
        {
            await TimeAsync(figures, $"FETCH 1:* (ENVELOPE), {options.Messages:N0} messages",
                () => ExpectLinesAsync(ourSession, "FETCH 1:* (ENVELOPE)", options.Messages), () => ExpectLinesAsync(theirSession, "FETCH 1:* (ENVELOPE)", options.Messages));
            var matches = new int[2];
            async Task<TimeSpan> Search(ImapProbe session, string word, int side)
            {
                var (elapsed, count) = await SearchAsync(session, word);
                matches[side] = count;
                return elapsed;
            }
            await TimeAsync(figures, $"SEARCH TEXT \"{WebBenchmark.RareWord}\" (rare)",
                () => Search(ourSession, WebBenchmark.RareWord, 0), () => Search(theirSession, WebBenchmark.RareWord, 1));
            figures.RareMatches = (matches[0], matches[1]);
            await TimeAsync(figures, $"SEARCH TEXT \"{WebBenchmark.CommonWord}\" (common)",
                () => Search(ourSession, WebBenchmark.CommonWord, 0), () => Search(theirSession, WebBenchmark.CommonWord, 1));
            figures.CommonMatches = (matches[0], matches[1]);
            await TimeAsync(figures, $"UID FETCH 1:* (FLAGS), {options.Messages:N0} messages",
                () => ExpectLinesAsync(ourSession, "UID FETCH 1:* (FLAGS)", options.Messages), () => ExpectLinesAsync(theirSession, "UID FETCH 1:* (FLAGS)", options.Messages));
        }

        // Last on the big INBOX, as it changes it: each round flags 800 messages and expunges 200.
        var (ourResync, theirResync) = (new ImapResync(ourPort, big.Ours, options.Messages), new ImapResync(PeerServers.ImapPort, big.Theirs, options.Messages));
        foreach (var compress in new[] { false, true })
        {
            var what = $"QRESYNC resync after {ImapResync.Changes:N0} changes, {options.Messages:N0} messages{(compress ? ", COMPRESS=DEFLATE" : "")}";
            await TimeAsync(figures, what, () => ourResync.RunAsync(compress, token), () => theirResync.RunAsync(compress, token));
            figures.Bytes.Add((what, ourResync.LastBytes, theirResync.LastBytes, ourResync.LastNeed));
            Console.WriteLine($"imap: {what}: {ourResync.LastBytes:N0} vs {theirResync.LastBytes:N0} bytes on the wire; the changes need {ourResync.LastNeed:N0}");
        }

        await using (var ourSession = await OpenAsync(ourPort, $"{DownloadUser}@{OurDomain}", token))
        await using (var theirSession = await OpenAsync(PeerServers.ImapPort, $"{DownloadUser}@{PeerServers.Domain}", token))
        {
            await TimeAsync(figures, $"download {DownloadCount:N0} × {DownloadSize / 1024} KB: FETCH 1:* (BODY.PEEK[])",
                () => DownloadAsync(ourSession), () => DownloadAsync(theirSession));
        }

        var latency = await ImapIdleSessions.LatencyAsync(ours.Server, $"{IdleUser}@{OurDomain}", $"{IdleUser}@{PeerServers.Domain}", options.Runs + 2, token);
        figures.Lines.Add(("IDLE: SMTP 250 → untagged EXISTS", latency.Ours, latency.Theirs));
        Console.WriteLine($"imap: IDLE latency {latency.Ours.Median:F1} vs {latency.Theirs.Median:F1} ms ({latency.Ours} / {latency.Theirs})");

        await TimeAsync(figures, $"mbsync initial sync, {SyncCount:N0} × {SyncSize / 1024} KB (wall time)",
            () => MbsyncAsync(ourPort, $"{SyncUser}@{OurDomain}"), () => MbsyncAsync(PeerServers.ImapPort, $"{SyncUser}@{PeerServers.Domain}"));

        figures.LoadAtEnd = ReportBenchmark.LoadAverage();
        figures.Elapsed = part.Elapsed;
        return figures;

        async Task TimeAsync(Figures into, string what, Func<Task<TimeSpan>> webmail, Func<Task<TimeSpan>> dovecot)
        {
            var (a, b) = await TakingTurnsAsync(options.Runs, webmail, dovecot);
            into.Lines.Add((what, a, b));
            Console.WriteLine($"imap: {what}: {a.Median:F1} vs {b.Median:F1} ms (Webmail {a}; Dovecot {b})");
        }
    }

    /// <summary>
    /// One warm-up each, then <paramref name="runs"/> rounds taking turns: background bursts on two
    /// shared cores fall on both sides alike. To keep the part near 15 minutes, a line whose warm-ups
    /// took over 20 s gets 3 rounds, over 60 s one round.
    /// </summary>
    internal static async Task<(Samples Ours, Samples Theirs)> TakingTurnsAsync(int runs, Func<Task<TimeSpan>> ours, Func<Task<TimeSpan>> theirs)
    {
        var warmUp = await ours() + await theirs();
        if (warmUp > TimeSpan.FromSeconds(60))
            runs = 1;
        else if (warmUp > TimeSpan.FromSeconds(20))
            runs = Math.Min(runs, 3);
        var (a, b) = (new Samples(), new Samples());
        for (var i = 0; i < runs; i++)
        {
            a.Add(await ours());
            b.Add(await theirs());
        }
        return (a, b);
    }

    /// <summary>The wall time of <paramref name="action"/>.</summary>
    private static async Task<TimeSpan> Timed(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    private static async Task<ImapProbe> OpenAsync(int port, string user, CancellationToken token)
    {
        var probe = await ImapProbe.ConnectAsync(port, 1024 * 1024, token);
        await probe.CommandAsync($"LOGIN {user} \"{Pop3Benchmark.Password}\"");
        await probe.CountAsync("SELECT INBOX");
        return probe;
    }

    /// <summary>Connect, LOGIN and SELECT INBOX; LOGOUT is not part of the figure (the line ends at SELECT's tagged OK).</summary>
    private static async Task<TimeSpan> LoginSelectAsync(int port, string user, CancellationToken token)
    {
        var watch = Stopwatch.StartNew();
        var probe = await OpenAsync(port, user, token);
        var elapsed = watch.Elapsed;
        await probe.DisposeAsync();
        return elapsed;
    }

    private static Task<TimeSpan> ExpectLinesAsync(ImapProbe probe, string command, int count) => Timed(async () =>
    {
        var (lines, _) = await probe.CountAsync(command);
        if (lines != count)
            throw new InvalidOperationException($"{command}: {lines} untagged lines, expected {count}.");
    });

    private static async Task<(TimeSpan Elapsed, int Matches)> SearchAsync(ImapProbe probe, string word)
    {
        var watch = Stopwatch.StartNew();
        var lines = await probe.CommandAsync($"SEARCH TEXT {word}");
        var elapsed = watch.Elapsed;
        return (elapsed, lines.Where(l => l.StartsWith("* SEARCH", StringComparison.Ordinal)).Sum(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 2));
    }

    private static Task<TimeSpan> DownloadAsync(ImapProbe probe) => Timed(async () =>
    {
        var (lines, bytes) = await probe.CountAsync("FETCH 1:* (BODY.PEEK[])");
        if (lines != DownloadCount || bytes < (long)DownloadCount * (DownloadSize - 400))
            throw new InvalidOperationException($"download: {lines} messages, {bytes} bytes.");
    });

    /// <summary>mbsync 1.4's initial pull of INBOX into an empty Maildir, as a new client's first sync (wall time of the program).</summary>
    private static async Task<TimeSpan> MbsyncAsync(int port, string user)
    {
        using var temp = new TempDirectory("imap-bench-mbsync");
        // The Maildir in memory (tmpfs) where there is one: on disk, mbsync's own fsync of each file took
        // about 90 % of the wall time and swung it by a third from run to run, for either server.
        var maildir = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", $"imap-bench-mbsync-{Guid.NewGuid():N}") : temp.File("mail");
        Directory.CreateDirectory(maildir);
        try
        {
            return await MbsyncIntoAsync(port, user, temp, maildir);
        }
        finally
        {
            Directory.Delete(maildir, recursive: true);
        }
    }

    private static async Task<TimeSpan> MbsyncIntoAsync(int port, string user, TempDirectory temp, string maildir)
    {
        var config = temp.File("mbsyncrc");
        await File.WriteAllTextAsync(config, $"""
            IMAPAccount bench
            Host 127.0.0.1
            Port {port}
            User {user}
            Pass "{Pop3Benchmark.Password}"
            SSLType None
            AuthMechs PLAIN
            Timeout 120

            IMAPStore remote
            Account bench

            MaildirStore local
            Path {maildir}/
            Inbox {maildir}/INBOX

            Channel bench
            Far :remote:
            Near :local:
            Patterns INBOX
            Create Near
            Sync Pull
            SyncState *

            """);
        var watch = Stopwatch.StartNew();
        var result = await ExternalProgram.RunAsync("/usr/bin/mbsync", ["-q", "-c", config, "-a"], TimeSpan.FromMinutes(5));
        var elapsed = watch.Elapsed;
        var pulled = Directory.EnumerateFiles(Path.Combine(maildir, "INBOX", "cur")).Count() + Directory.EnumerateFiles(Path.Combine(maildir, "INBOX", "new")).Count();
        if (result.ExitCode != 0 || pulled != SyncCount)
            throw new InvalidOperationException($"mbsync against {user}: exit {result.ExitCode}, {pulled} messages: {result.Errors}");
        return elapsed;
    }

    /// <summary>The same messages into both: Webmail through its delivery pipeline (as inbound SMTP stores), Dovecot straight into its Maildir.</summary>
    private static async Task<Setup> FillAsync(PeerServers peers, Options options)
    {
        var setup = new Setup();
        var dovecot = Task.Run(async () =>
        {
            await peers.FillAsync(BigUser, Enumerable.Range(0, options.Messages).Select(i => WebBenchmark.Corpus(i, $"{BigUser}@{PeerServers.Domain}")));
            await peers.FillAsync(DownloadUser, TestMessages.OfSize(DownloadSize), DownloadCount);
            await peers.FillAsync(SyncUser, Enumerable.Range(0, SyncCount).Select(i => SyncMessage(i, $"{SyncUser}@{PeerServers.Domain}")));
            await peers.FillAsync(IdleUser, Enumerable.Range(0, 10).Select(i => WebBenchmark.Corpus(i, $"{IdleUser}@{PeerServers.Domain}")));
        });
        await setup.FillAsync(options);
        await dovecot;
        setup.Server = await ServerProcess.StartAsync(setup.Directory.Path, new Dictionary<string, string>
        {
            ["Webmail:Limits:MaxImapSessionsPerAccountAndIp"] = (options.Sessions + 100).ToString(CultureInfo.InvariantCulture),
        });
        return setup;
    }

    private static byte[] SyncMessage(int i, string to) => TestMessages.OfSize(SyncSize, subject: $"sync {i}", to: to);

    /// <summary>Webmail's accounts and their INBOXes, served by the real server process.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        public TempDirectory Directory { get; } = new("webmail-imap-bench");
        public TestStoreAt Store { get; private set; } = null!;
        public ServerProcess Server { get; set; } = null!;

        public async Task FillAsync(Options options)
        {
            Store = new TestStoreAt(Directory.Path);
            await DeliverAsync(BigUser, options.Messages, (i, to) => WebBenchmark.Corpus(i, to));
            var sized = TestMessages.OfSize(DownloadSize);
            await DeliverAsync(DownloadUser, DownloadCount, (_, _) => sized);
            await DeliverAsync(SyncUser, SyncCount, SyncMessage);
            await DeliverAsync(IdleUser, 10, (i, to) => WebBenchmark.Corpus(i, to));
        }

        private Task DeliverAsync(string user, int count, Func<int, string, byte[]> message) => DeliverAsync(Store, user, count, message);

        public static async Task DeliverAsync(TestStoreAt store, string user, int count, Func<int, string, byte[]> message)
        {
            var address = $"{user}@{OurDomain}";
            var account = await store.CreateAccountAsync(address, Pop3Benchmark.Password);
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                    await store.Messages.DeliverAsync(new DeliveryRequest(message(i, address), [new MailboxDelivery(account.Id, SpecialFolder.Inbox)]), default);
            }));
        }

        public async ValueTask DisposeAsync()
        {
            if (Server is not null)
                await Server.DisposeAsync();
            if (Store is not null)
                await Store.DisposeAsync();
            Directory.Dispose();
        }
    }
}
