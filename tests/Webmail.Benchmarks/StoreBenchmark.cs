using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// The store's figures: durable append throughput (10 KB messages, 1 and 32 concurrent writers,
/// each append acknowledged only after its group commit is fsynced), then list and search latency
/// on one folder of 100,000 messages. Options: <c>--messages N</c> (folder size, default 100000),
/// <c>--seconds S</c> (per throughput run, default 8), <c>--keep</c> (leave the data directory).
/// </summary>
public static class StoreBenchmark
{
    private const int ListPageSize = 50;
    private const string RareWord = "quetzalcoatl";
    private const string CommonWord = "report";

    private static readonly string[] Vocabulary =
    [
        "budget", "meeting", "invoice", "travel", "review", "quarter", "launch", "project", "customer", "server",
        "release", "design", "contract", "schedule", "holiday", "lunch", "update", "security", "backup", "network",
        "garden", "bicycle", "concert", "library", "museum", "harbour", "mountain", "river", "autumn", "winter",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = IntOption(args, "--messages", 100_000);
        var seconds = IntOption(args, "--seconds", 8);
        var keep = args.Contains("--keep");
        var dir = new TempDirectory("webmail-bench-store");
        Console.WriteLine($"Store benchmark: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, data in {dir.Path}");
        try
        {
            await using var store = new TestStoreAt(dir.Path);
            await RunThroughputAsync(store, TimeSpan.FromSeconds(seconds));
            await RunLatencyAsync(store, messages);
        }
        finally
        {
            if (!keep)
                dir.Dispose();
        }
        return 0;
    }

    private static async Task RunThroughputAsync(TestStoreAt store, TimeSpan duration)
    {
        var account = await store.CreateAccountAsync("writer@bench.example", quota: 0);
        var inbox = await store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        var message = TestMessages.OfSize(10 * 1024, subject: "Ten kilobytes", to: "writer@bench.example");
        var writer = store.Services.GetRequiredService<SqliteDatabase>().Writer;
        Console.WriteLine();
        Console.WriteLine($"Durable appends, {message.Length:N0}-byte messages, synchronous=FULL, {duration.TotalSeconds:0} s per run");
        Console.WriteLine("| writers | appends | messages/s | appends per commit | mean latency ms |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
        // A short warm-up so JIT and the first fsyncs are not in the figures.
        await AppendForAsync(store, account.Id, inbox.Id, message, 4, TimeSpan.FromSeconds(1));
        foreach (var writers in new[] { 1, 32 })
        {
            var commits = writer.Commits;
            var units = writer.Units;
            var (count, elapsed, latency) = await AppendForAsync(store, account.Id, inbox.Id, message, writers, duration);
            var perCommit = (writer.Units - units) / (double)Math.Max(1, writer.Commits - commits);
            Console.WriteLine($"| {writers} | {count:N0} | {count / elapsed.TotalSeconds:N0} | {perCommit:0.0} | {latency:0.00} |");
        }
    }

    private static async Task<(long Count, TimeSpan Elapsed, double MeanLatencyMs)> AppendForAsync(
        TestStoreAt store, long accountId, long folderId, byte[] message, int writers, TimeSpan duration)
    {
        long count = 0;
        long latencyTicks = 0;
        var stopwatch = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await store.Messages.AppendAsync(accountId, folderId, message, MessageFlags.None, enforceQuota: false);
                Interlocked.Add(ref latencyTicks, Stopwatch.GetTimestamp() - start);
                Interlocked.Increment(ref count);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        stopwatch.Stop();
        var meanMs = latencyTicks / (double)Stopwatch.Frequency * 1000 / Math.Max(1, count);
        return (count, stopwatch.Elapsed, meanMs);
    }

    private static async Task RunLatencyAsync(TestStoreAt store, int messages)
    {
        var account = await store.CreateAccountAsync("reader@bench.example", quota: 0);
        var inbox = await store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        Console.WriteLine();
        var fill = Stopwatch.StartNew();
        await FillAsync(store, account.Id, inbox.Id, messages);
        Console.WriteLine($"Filled one folder with {messages:N0} messages in {fill.Elapsed.TotalSeconds:N0} s ({messages / fill.Elapsed.TotalSeconds:N0} messages/s, 64 writers, ~2 KB each)");
        var size = new FileInfo(store.Services.GetRequiredService<SqliteDatabase>().DatabasePath).Length;
        Console.WriteLine($"Database file: {size / (1024.0 * 1024):N0} MB");

        var lists = new (string Name, Func<Task<string>> Run)[]
        {
            ("list 50 newest (date desc, page 1)", () => List(MessageSort.DateDescending, 0)),
            ("list 50 oldest (date asc, page 1)", () => List(MessageSort.DateAscending, 0)),
            ("list by sender (from asc, page 1)", () => List(MessageSort.FromAscending, 0)),
            ("list by subject (subject asc, page 1)", () => List(MessageSort.SubjectAscending, 0)),
            ("list by size (size desc, page 1)", () => List(MessageSort.SizeDescending, 0)),
            ("list date desc, page 1,000 (offset 49,950)", () => List(MessageSort.DateDescending, 999)),
            ($"search rare word \"{RareWord}\"", () => Search(RareWord)),
            ($"search common word \"{CommonWord}\"", () => Search(CommonWord)),
            ("search from:sender17", () => Search("from:sender17")),
            ("search from:sender17 budget is:unread", () => Search("from:sender17 budget is:unread")),
            ("search \"budget meeting\" subject:quarter (all folders)", () => Search("\"budget meeting\" subject:quarter", folder: false)),
        };
        Console.WriteLine();
        Console.WriteLine($"Latency on a {messages:N0}-message folder (50 runs after 5 warm-up runs)");
        Console.WriteLine("| query | results (total) | median ms | p95 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (name, run) in lists)
        {
            var total = "";
            for (var i = 0; i < 5; i++)
                total = await run();
            var samples = new List<double>();
            for (var i = 0; i < 50; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await run();
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            samples.Sort();
            Console.WriteLine($"| {name} | {total} | {samples[samples.Count / 2]:0.00} | {samples[(int)(samples.Count * 0.95)]:0.00} |");
        }

        async Task<string> List(MessageSort sort, int page) =>
            TotalOf(await store.Messages.ListAsync(account.Id, inbox.Id, page, ListPageSize, sort, default));

        async Task<string> Search(string text, bool folder = true) =>
            TotalOf(await store.Messages.SearchAsync(account.Id, SearchQuery.Parse(text, folder ? inbox.Id : null), 0, ListPageSize, default));

        // A search stops counting once it knows there are more than a page-turn needs ("1,000+").
        static string TotalOf(Page<MessageSummary> page) => page.Total.ToString("N0", CultureInfo.InvariantCulture) + (page.TotalIsLowerBound ? "+" : "");
    }

    /// <summary>
    /// Varied messages: 200 senders, subjects and bodies drawn from a small vocabulary, "report" in
    /// about a third, the rare word in one message in 10,000, internal dates spread over three years.
    /// </summary>
    private static async Task FillAsync(TestStoreAt store, long accountId, long folderId, int messages)
    {
        var next = -1;
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var tasks = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < messages)
            {
                var random = new Random(i);
                var raw = VariedMessage(i, random);
                var flags = random.Next(4) == 0 ? MessageFlags.None : MessageFlags.Seen;
                await store.Messages.AppendAsync(accountId, folderId, raw, flags, start.AddMinutes(i * 15 + random.Next(10)), enforceQuota: false);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
    }

    private static byte[] VariedMessage(int i, Random random)
    {
        string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]));
        var subject = Words(3) + (i % 3 == 0 ? " " + CommonWord : "");
        var body = new StringBuilder();
        for (var line = 0; line < 20; line++)
            body.Append(Words(10)).Append("\r\n");
        if (i % 10_000 == 4_321)
            body.Append("The ").Append(RareWord).Append(" figure is on the shelf.\r\n");
        var sender = i % 200;
        return TestMessages.Simple(from: $"Sender {sender} <sender{sender}@remote{sender % 7}.example>", to: "reader@bench.example",
            subject: subject, body: body.ToString());
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }
}
