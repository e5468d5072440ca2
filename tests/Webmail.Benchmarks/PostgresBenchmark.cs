using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Webmail.Resilience.Tests.Harness;
using Webmail.Storage.Postgres.Migration;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// The PostgreSQL part of the report (issue 19): SMTP ingest, then POP3 and IMAP download of what came in, on SQLite
/// (one node), PostgreSQL with one node and PostgreSQL with two nodes (both on this machine, on the test cluster),
/// with the same clients and sizes; and the time <c>store migrate</c> takes for a store of N messages.
/// Ingest: <c>sessions</c> SMTP sessions (a 250 means committed) sending to two accounts, spread over the nodes, once
/// with <c>smtp-source</c> (as the report measures Postfix + Dovecot) and once with real text from our raw client.
/// Download: the two accounts at once, each over its own session (with two nodes, one per node).
/// Usage: <c>postgres [--messages 10000] [--size 10240] [--sessions 10] [--migrate 100000]</c> (needs Postfix's <c>smtp-source</c>).
/// </summary>
public static class PostgresBenchmark
{
    private static readonly string[] Users = ["pg1@local.example", "pg2@local.example"];

    /// <summary>Messages each node takes in a round of the warm-up (<see cref="ServerWarmUp"/>).</summary>
    private const int WarmUpRoundPerNode = 1000;

    /// <param name="SmtpPerSecond">With <c>smtp-source</c>'s messages, as the report measures Postfix + Dovecot.</param>
    /// <param name="TextSmtpPerSecond">With messages of real text (<see cref="TestMessages.OfSize"/>): every word indexed for search.</param>
    public sealed record Row(string Store, double SmtpPerSecond, double TextSmtpPerSecond, double Pop3PerSecond, double ImapPerSecond, int WarmUpPerNode);

    public sealed record Migration(int Messages, TimeSpan Fill, TimeSpan Copy, TimeSpan Verify, long Bytes);

    public sealed record Figures(int Messages, int Size, int Sessions, IReadOnlyList<Row> Rows, Migration? Migrated);

    public static async Task<int> RunAsync(string[] args)
    {
        var figures = await MeasureAsync(
            (int)BenchmarkOptions.Number(args, "--messages", 10_000), (int)BenchmarkOptions.Number(args, "--size", 10240),
            (int)BenchmarkOptions.Number(args, "--sessions", 10), (int)BenchmarkOptions.Number(args, "--migrate", 100_000));
        Console.WriteLine(Render(figures, peerSmtpPerSecond: null));
        return 0;
    }

    public static async Task<Figures> MeasureAsync(int messages, int size, int sessions, int migrate)
    {
        var rows = new List<Row>();
        using (var directory = new TempDirectory("webmail-pg-bench-sqlite"))
        {
            await using (var store = new TestStoreAt(directory.Path))
                foreach (var user in Users)
                    await store.CreateAccountAsync(user, Pop3Benchmark.Password);
            await using var server = await ServerProcess.StartAsync(directory.Path, Settings());
            rows.Add(await MeasureNodesAsync("SQLite, one node", [server], messages, size, sessions));
        }
        foreach (var count in new[] { 1, 2 })
        {
            await using var nodes = await Nodes.StartAsync(count, Settings());
            foreach (var user in Users)
                await nodes.CreateAccountAsync(user, Pop3Benchmark.Password);
            rows.Add(await MeasureNodesAsync($"PostgreSQL, {(count == 1 ? "one node" : "two nodes")}", nodes.Servers, messages, size, sessions));
        }
        var migrated = migrate > 0 ? await MigrateAsync(migrate) : null;
        return new Figures(messages, size, sessions, rows, migrated);

        static Dictionary<string, string> Settings() => new() { ["Webmail:Limits:MaxSessionsPerIp"] = "1000" };
    }

    private static async Task<Row> MeasureNodesAsync(string label, IReadOnlyList<ServerProcess> nodes, int messages, int size, int sessions)
    {
        // A warm-up through every node, not counted, until the runtime has compiled the hot paths, as in a server that
        // has run for a while; half of each round through each client. The downloads read everything stored, the
        // warm-up's messages too.
        var text = SmtpLoadClient.WithFinalDot(TestMessages.OfSize(size));
        var half = WarmUpRoundPerNode * nodes.Count / 2;
        var rounds = await ServerWarmUp.UntilCompiledAsync(nodes, async () =>
        {
            await SendWithSmtpSourceAsync(nodes, sessions, half, size);
            await SendTextAsync(nodes, sessions, half, text);
        });
        var warmUp = rounds * WarmUpRoundPerNode * nodes.Count;
        var watch = Stopwatch.StartNew();
        await SendWithSmtpSourceAsync(nodes, sessions, messages, size);
        var smtp = messages / watch.Elapsed.TotalSeconds;
        watch.Restart();
        await SendTextAsync(nodes, sessions, messages, text);
        var textSmtp = messages / watch.Elapsed.TotalSeconds;

        var stored = 2 * messages + warmUp;
        watch.Restart();
        await Task.WhenAll(Users.Select((user, i) => Pop3Benchmark.FullDownloadAsync(nodes[i % nodes.Count].Pop3Port, user, stored / Users.Length, pipelined: true)));
        var pop3 = stored / watch.Elapsed.TotalSeconds;

        watch.Restart();
        var fetched = await Task.WhenAll(Users.Select((user, i) => FetchAllAsync(nodes[i % nodes.Count].ImapPort, user)));
        var imap = stored / watch.Elapsed.TotalSeconds;
        if (fetched.Sum() != stored)
            throw new InvalidOperationException($"{label}: IMAP fetched {fetched.Sum()} of {stored} messages.");
        Console.WriteLine($"postgres: {label}: SMTP {smtp:F0} msg/s (text {textSmtp:F0}), POP3 {pop3:F0} msg/s, IMAP {imap:F0} msg/s");
        return new Row(label, smtp, textSmtp, pop3, imap, rounds * WarmUpRoundPerNode);
    }

    /// <summary>
    /// <paramref name="count"/> messages of <paramref name="size"/> bytes over <paramref name="sessions"/> sessions with
    /// <c>smtp-source</c>, the client the report measures Postfix + Dovecot with: one process per account and node
    /// (account k and node k mod N), each with its share of the sessions and messages; returns when every message was
    /// answered 250.
    /// </summary>
    private static async Task SendWithSmtpSourceAsync(IReadOnlyList<ServerProcess> nodes, int sessions, int count, int size)
    {
        var senders = Math.Max(nodes.Count, Users.Length);
        await Task.WhenAll(Enumerable.Range(0, senders).Select(k => ReportBenchmark.SmtpSourceAsync(
            nodes[k % nodes.Count].SmtpPort, Users[k % Users.Length], Share(count, senders, k), Math.Max(1, Share(sessions, senders, k)), size)));

        static int Share(int total, int parts, int k) => total / parts + (k < total % parts ? 1 : 0);
    }

    /// <summary>
    /// <paramref name="count"/> copies of <paramref name="message"/> over <paramref name="sessions"/> sessions of our own
    /// client, session i on node i mod N, messages alternating between the two accounts; returns when every one was
    /// answered 250.
    /// </summary>
    private static async Task SendTextAsync(IReadOnlyList<ServerProcess> nodes, int sessions, int count, byte[] message)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async s =>
        {
            await using var client = await SmtpLoadClient.ConnectAsync(nodes[s % nodes.Count].SmtpPort);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
                await client.SendAsync("load@remote.example", Users[i % Users.Length], message);
            await client.QuitAsync();
        }));
    }

    /// <summary>Every message of the INBOX, whole (<c>UID FETCH 1:* BODY.PEEK[]</c>); returns how many came.</summary>
    private static async Task<int> FetchAllAsync(int port, string user)
    {
        await using var imap = await ImapProbe.ConnectAsync(port);
        await imap.CommandAsync($"LOGIN {user} \"{Pop3Benchmark.Password}\"");
        await imap.CommandAsync("SELECT INBOX");
        var (lines, _) = await imap.CountAsync("UID FETCH 1:* (BODY.PEEK[])");
        return lines;
    }

    /// <summary>A SQLite store of <paramref name="count"/> messages (the import API in batches), migrated into a new database by the real executable.</summary>
    private static async Task<Migration> MigrateAsync(int count)
    {
        using var directory = new TempDirectory("webmail-pg-bench-migrate");
        var watch = Stopwatch.StartNew();
        await using (var store = new TestStoreAt(directory.Path))
        {
            await store.CreateAccountAsync(Users[0], Pop3Benchmark.Password);
            await BulkMessages.ImportAsync(store, Users[0], count);
        }
        var fill = watch.Elapsed;
        var database = PostgresCluster.CreateDatabase();
        try
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { ServerProcess.ServerDll, "store", "migrate", "--to", "postgres", "--connection", database, $"--Webmail:DataDirectory={directory.Path}" })
                info.ArgumentList.Add(arg);
            watch.Restart();
            using var process = Process.Start(info)!;
            var copy = TimeSpan.Zero;
            var output = new StringBuilder();
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                output.AppendLine(line);
                if (line.StartsWith("copied ", StringComparison.Ordinal))
                    copy = watch.Elapsed;
            }
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var total = watch.Elapsed;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"store migrate failed ({process.ExitCode}): {errors}\n{output}");
            Console.Write(output);
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*), coalesce(sum(length(raw)), 0) FROM message_raw", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            if (reader.GetInt64(0) != count)
                throw new InvalidOperationException($"store migrate copied {reader.GetInt64(0)} of {count} messages.");
            var migration = new Migration(count, fill, copy, total - copy, reader.GetInt64(1));
            Console.WriteLine($"postgres: migrate {count:N0} messages: copy {copy.TotalSeconds:F1} s, verify {migration.Verify.TotalSeconds:F1} s (the store took {fill.TotalSeconds:F1} s to fill)");
            return migration;
        }
        finally
        {
            PostgresCluster.DropDatabase(database);
        }
    }

    /// <summary>The report's section; <paramref name="peerSmtpPerSecond"/> is Postfix + Dovecot at the same sessions and size when the SMTP part ran.</summary>
    public static string Render(Figures figures, double? peerSmtpPerSecond)
    {
        var text = new StringBuilder();
        void Line(string s = "") => text.Append(s).Append('\n');
        Line("## PostgreSQL: one node and two nodes beside SQLite");
        Line();
        Line($"- **Load**: {figures.Messages:N0} messages of {figures.Size / 1024} KB over {figures.Sessions} SMTP sessions to two accounts, sessions spread over the nodes (a `250` is a commit), " +
             "twice: with `smtp-source`, the client and messages the SMTP part measures Postfix + Dovecot with (numbered lines of `X`, so hardly a word to index), " +
             "and with messages of real text (every word indexed for search) from our own raw SMTP client; " +
             $"after an uncounted warm-up through each node until the runtime has compiled the hot paths, as in a server that has run for a while (rounds of {WarmUpRoundPerNode:N0} messages per node {ServerWarmUp.Rule}: a fresh process recompiles what is hot for 30–40 s under this load); then both accounts downloaded at once, the warm-up's messages too, over POP3 (pipelined RETR) and over IMAP (`UID FETCH 1:* BODY.PEEK[]`), " +
             "with two nodes one account per node. PostgreSQL 15 is the test cluster on the same machine (`synchronous_commit=on`), so the nodes, the database and the clients share its two cores.");
        Line();
        Line("| store | SMTP ingest msg/s, `smtp-source` | SMTP ingest msg/s, real text | POP3 download msg/s | IMAP download msg/s | warm-up messages per node |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in figures.Rows)
            Line(string.Create(CultureInfo.InvariantCulture, $"| {row.Store} | {row.SmtpPerSecond:F0} | {row.TextSmtpPerSecond:F0} | {row.Pop3PerSecond:F0} | {row.ImapPerSecond:F0} | {row.WarmUpPerNode:N0} |"));
        if (peerSmtpPerSecond is { } peer && figures.Rows.FirstOrDefault(r => r.Store == "PostgreSQL, one node") is { } one)
        {
            Line();
            var ratio = one.SmtpPerSecond / peer;
            Line(string.Create(CultureInfo.InvariantCulture, $"Goal: one node on PostgreSQL at least 3× Postfix + Dovecot for SMTP ingest at {figures.Sessions} sessions × {figures.Size / 1024} KB, " +
                $"both with `smtp-source`: {one.SmtpPerSecond:F0} vs {peer:F0} msg/s = {ratio:F1}× — **{(ratio >= 3 ? "met" : "not met")}**. " +
                $"With real text, which the pair would not index (it has no full-text plugin here), {one.TextSmtpPerSecond:F0} msg/s = {one.TextSmtpPerSecond / peer:F1}× the pair's `smtp-source` figure."));
        }
        if (figures.Migrated is { } m)
        {
            Line();
            Line(string.Create(CultureInfo.InvariantCulture,
                $"`store migrate` of {m.Messages:N0} messages ({m.Bytes / 1048576.0:F0} MB): copy (every table, binary COPY in one transaction, and the search index rebuilt from the messages) " +
                $"{m.Copy.TotalSeconds:F1} s ({m.Messages / m.Copy.TotalSeconds:F0} msg/s), verify (counts, and per folder a checksum over UIDs, flags and bytes read on both sides) {m.Verify.TotalSeconds:F1} s."));
        }
        return text.ToString();
    }
}
