using System.Diagnostics;
using System.Globalization;
using System.Text;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Webmail beside Postfix → LMTP → Dovecot in the same run with the same clients: SMTP ingest
/// driven by Postfix's <c>smtp-source</c> against both (end to end: until the last message is in
/// a mailbox), and POP3 full download and login+STAT+UIDL with our minimal POP3 client against
/// both. Prints Markdown tables; <c>--out FILE</c> writes them to a file as well.
/// Usage: <c>compare [--messages N] [--out FILE]</c>.
/// </summary>
public static class CompareBenchmark
{
    private const string SmtpSource = "/usr/sbin/smtp-source";
    private static readonly string[] Users = ["user0", "user1", "user2", "download", "big"];

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = IntOption(args, "--messages", 2000);
        var outIndex = Array.IndexOf(args, "--out");
        var report = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        await using var peers = await PeerServers.StartAsync(Users, Pop3Benchmark.Password);
        if (peers is null || !File.Exists(SmtpSource))
            return 1;

        Line($"Side by side: Webmail vs Postfix {(await PeerServers.RunAsync("/usr/sbin/postconf", "-h", "mail_version")).Trim()} → LMTP → Dovecot {(await PeerServers.RunAsync("/usr/sbin/dovecot", "--version")).Split(' ')[0]}");
        Line($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average at start {LoadAverage()}");
        Line("");
        Line($"### SMTP ingest, smtp-source, {messages:N0} messages per run, end to end (first connect → last message in a mailbox)");
        Line("");
        Line("| sessions | size | Webmail msg/s | Postfix+Dovecot msg/s | ratio |");
        Line("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var size in new[] { 2048, 10240, 102400 })
        {
            foreach (var sessions in new[] { 1, 10, 50 })
            {
                var ours = await OursSmtpAsync(messages, sessions, size);
                var theirs = await PeerSmtpAsync(peers, messages, sessions, size);
                Line($"| {sessions} | {size / 1024} KB | {ours:F0} | {theirs:F0} | {ours / theirs:F1}× |");
            }
        }

        Line("");
        Line("### POP3, same minimal client (best of 3 after one warm-up)");
        Line("");
        Line("| what | Webmail | Dovecot |");
        Line("| --- | ---: | ---: |");
        const int download = 5000, big = 50_000;
        await peers.FillAsync("download", TestMessages.OfSize(10 * 1024), download);
        await peers.FillAsync("big", TestMessages.OfSize(600), big);
        await using (var ours = await Pop3Benchmark.Setup.CreateAsync("download@bench.example", download, 10 * 1024))
        {
            foreach (var pipelined in new[] { false, true })
            {
                var webmail = await BestAsync(async () => (await Pop3Benchmark.FullDownloadAsync(ours.Port, ours.Address, download, pipelined)).Elapsed);
                var dovecot = await BestAsync(async () => (await Pop3Benchmark.FullDownloadAsync(PeerServers.Pop3Port, $"download@{PeerServers.Domain}", download, pipelined)).Elapsed);
                Line($"| download {download:N0} × 10 KB, {(pipelined ? "pipelined" : "one RETR at a time")} | {webmail.TotalSeconds:F3} s | {dovecot.TotalSeconds:F3} s |");
            }
        }
        await using (var ours = await Pop3Benchmark.Setup.CreateAsync("big@bench.example", big, 600))
        {
            var webmail = await BestAsync(async () => (await Pop3Benchmark.LoginStatUidlAsync(ours.Port, ours.Address, big)).Total);
            var dovecot = await BestAsync(async () => (await Pop3Benchmark.LoginStatUidlAsync(PeerServers.Pop3Port, $"big@{PeerServers.Domain}", big)).Total);
            Line($"| login + STAT + UIDL, {big:N0} messages | {webmail.TotalMilliseconds:F0} ms | {dovecot.TotalMilliseconds:F0} ms |");
        }
        Line("");
        Line($"Load average at end: {LoadAverage()}");

        if (outIndex >= 0 && outIndex + 1 < args.Length)
            await File.WriteAllTextAsync(args[outIndex + 1], report.ToString());
        return 0;
    }

    /// <summary>Our server in-process; 250 means committed, so smtp-source's end is the end.</summary>
    private static async Task<double> OursSmtpAsync(int messages, int sessions, int size)
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Limits:MaxSessionsPerIp"] = "1000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        var account = await server.CreateAccountAsync("user1@local.example");
        await SmtpSourceAsync(server.SmtpPort, "user1@local.example", 20, 1, size);
        var before = (await server.Directory.GetAccountAsync(account.Id, default))!.MessageCount;
        var watch = Stopwatch.StartNew();
        await SmtpSourceAsync(server.SmtpPort, "user1@local.example", messages, sessions, size);
        watch.Stop();
        var stored = (await server.Directory.GetAccountAsync(account.Id, default))!.MessageCount - before;
        if (stored != messages)
            throw new InvalidOperationException($"Webmail stored {stored} of {messages}.");
        return messages / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Postfix queues at 250; the run ends when Dovecot has the last message in the maildir.</summary>
    private static async Task<double> PeerSmtpAsync(PeerServers peers, int messages, int sessions, int size)
    {
        var before = peers.Delivered("user1");
        await SmtpSourceAsync(PeerServers.SmtpPort, $"user1@{PeerServers.Domain}", 20, 1, size);
        await WaitForAsync(() => peers.Delivered("user1") >= before + 20);
        before = peers.Delivered("user1");
        var watch = Stopwatch.StartNew();
        await SmtpSourceAsync(PeerServers.SmtpPort, $"user1@{PeerServers.Domain}", messages, sessions, size);
        await WaitForAsync(() => peers.Delivered("user1") >= before + messages);
        return messages / watch.Elapsed.TotalSeconds;
    }

    private static async Task SmtpSourceAsync(int port, string to, int messages, int sessions, int size)
    {
        var output = await PeerServers.RunAsync(SmtpSource, "-d", "-s", sessions.ToString(CultureInfo.InvariantCulture), "-m", messages.ToString(CultureInfo.InvariantCulture),
            "-l", size.ToString(CultureInfo.InvariantCulture), "-M", "bench.example", "-f", "load@remote.example", "-t", to, $"127.0.0.1:{port}");
        if (output.Contains("error", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("smtp-source: " + output);
    }

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

    private static async Task<TimeSpan> BestAsync(Func<Task<TimeSpan>> run)
    {
        await run();
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var elapsed = await run();
            if (elapsed < best)
                best = elapsed;
        }
        return best;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }
}
