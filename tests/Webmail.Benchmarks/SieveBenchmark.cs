using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Mail.Delivery;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Sieve at delivery (issue 22): SMTP ingest to recipients whose active script has 50 rules, beside the same
/// ingest to recipients without a script (goal: within 20 %), and the worst case of <c>:matches</c> and
/// <c>body</c> per message, which the interpreter's work budget bounds.
/// Usage: <c>sieve [messagesPerRun] [sessions] [size]</c>, e.g. <c>sieve 2000 10 10240</c>.
/// </summary>
public static class SieveBenchmark
{
    /// <param name="NoScript">Messages per second to recipients without a script (best of three runs).</param>
    /// <param name="WithScript">The same to recipients with the 50-rule script.</param>
    /// <param name="WorstCase">Milliseconds to deliver one message of <see cref="WorstCaseSize"/> octets against the worst-case script.</param>
    /// <param name="WorstCaseError">What that run failed with (the work budget), recorded for the user; null when it finished.</param>
    public sealed record Figures(int Messages, int Sessions, int Size, double NoScript, double WithScript, double WorstCase, string? WorstCaseError)
    {
        public double Ratio => WithScript / NoScript;
    }

    public const int WorstCaseSize = 1024 * 1024;
    private const int Users = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0]) : 2000;
        var sessions = args.Length > 1 ? int.Parse(args[1]) : 10;
        var size = args.Length > 2 ? int.Parse(args[2]) : 10240;
        var figures = await MeasureAsync(messages, sessions, size);
        Console.WriteLine(Describe(figures));
        return 0;
    }

    public static string Describe(Figures f) =>
        $"Sieve: {f.Sessions} sessions × {f.Size / 1024} KB, {f.Messages} messages: no script {f.NoScript:F0} msg/s, 50-rule script {f.WithScript:F0} msg/s "
        + $"({f.Ratio * 100:F0} %, goal ≥ 80 %); worst case (:matches and body on {WorstCaseSize / 1024} KB) {f.WorstCase:F0} ms per message"
        + (f.WorstCaseError is null ? "" : $", stopped by the budget: {f.WorstCaseError}");

    public static async Task<Figures> MeasureAsync(int messages, int sessions, int size)
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Limits:MaxSessionsPerIp"] = "1000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        var scripts = server.Services.GetRequiredService<SieveScriptService>();
        for (var u = 0; u < Users; u++)
        {
            await server.CreateAccountAsync($"plain{u}@local.example");
            var account = await server.CreateAccountAsync($"filtered{u}@local.example");
            await InstallAsync(scripts, account.Id, FiftyRules());
        }
        var message = TestMessages.OfSize(size, subject: "bench", to: "filtered0@local.example");

        // Warm-up for both, then the two alternate so the machine's other load falls on both alike.
        await IngestAsync(server.SmtpPort, message, 20, 1, "plain");
        await IngestAsync(server.SmtpPort, message, 20, 1, "filtered");
        double noScript = 0, withScript = 0;
        for (var run = 0; run < 3; run++)
        {
            noScript = Math.Max(noScript, await IngestAsync(server.SmtpPort, message, messages, sessions, "plain"));
            withScript = Math.Max(withScript, await IngestAsync(server.SmtpPort, message, messages, sessions, "filtered"));
        }

        var (worst, error) = await WorstCaseAsync(server, scripts);
        return new Figures(messages, sessions, size, noScript, withScript, worst, error);
    }

    /// <summary>Messages per second over <paramref name="sessions"/> pipelined SMTP sessions to the <paramref name="prefix"/> users; each 250 is a commit.</summary>
    private static async Task<double> IngestAsync(int port, byte[] message, int total, int sessions, string prefix)
    {
        var tail = SmtpLoadClient.WithFinalDot(message);
        var perSession = Math.Max(1, total / sessions);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async s =>
        {
            await using var client = await SmtpLoadClient.ConnectAsync(port);
            for (var i = 0; i < perSession; i++)
                await client.SendAsync($"load{s}@remote.example", $"{prefix}{(s + i) % Users}@local.example", tail);
            await client.QuitAsync();
        }));
        return perSession * sessions / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// One 1 MB message (a single long line of 'a's, no 'b') against <c>:matches</c> patterns that a backtracking
    /// matcher takes exponential time on, over the header and the body: the time of the whole delivery.
    /// </summary>
    private static async Task<(double Milliseconds, string? Error)> WorstCaseAsync(TestServer server, SieveScriptService scripts)
    {
        var account = await server.CreateAccountAsync("worst@local.example");
        await InstallAsync(scripts, account.Id, """
            require ["body", "fileinto"];
            if anyof (body :raw :matches "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
                      body :text :contains "b",
                      header :matches "subject" "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
                      body :raw :matches "*a?a*a?a*a?a*a?a*a?a*a?a*a?a*a?a*a?a*a?a*b") {
                discard;
            }
            """);
        var line = new string('a', 998);
        var body = new StringBuilder();
        while (body.Length < WorstCaseSize)
            body.Append(line).Append("\r\n");
        var message = TestMessages.Simple(to: "worst@local.example", subject: new string('a', 900), body: body.ToString());
        var pipeline = server.Services.GetRequiredService<DeliveryPipeline>();
        var envelope = new InboundEnvelope("load@remote.example", ["worst@local.example"], new DeliveryOrigin("smtp", IPAddress.Loopback, "bench.example"));
        var watch = Stopwatch.StartNew();
        var outcome = await pipeline.ReceiveAsync(envelope, message.AsMemory(), CancellationToken.None);
        watch.Stop();
        if (!outcome.Succeeded)
            throw new InvalidOperationException("worst case: " + outcome.Status);
        var inbox = await server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        if ((await server.Messages.ListAsync(account.Id, inbox.Id, 0, 1, MessageSort.DateDescending, default)).Total != 1)
            throw new InvalidOperationException("worst case: the message is not in INBOX");
        return (watch.Elapsed.TotalMilliseconds, (await scripts.ListAsync(account.Id, default)).Single().LastError);
    }

    private static async Task InstallAsync(SieveScriptService scripts, long accountId, string script)
    {
        var put = await scripts.PutAsync(accountId, "bench", "main", script, default);
        if (!put.Succeeded)
            throw new InvalidOperationException("script: " + put.Message);
        await scripts.ActivateAsync(accountId, "bench", "main", default);
    }

    /// <summary>
    /// Fifty rules as a rules editor writes them: from, to/cc, subject, header, size and body conditions with
    /// :is, :contains and :matches, each filing or flagging. The benchmark message matches three of them.
    /// </summary>
    public static string FiftyRules()
    {
        var script = new StringBuilder("require [\"fileinto\", \"mailbox\", \"imap4flags\", \"body\", \"envelope\"];\r\n");
        for (var i = 0; i < 50; i++)
        {
            var test = (i % 6) switch
            {
                0 => $"address :is \"from\" \"news{i}@lists.example\"",
                1 => $"header :contains \"subject\" \"[project-{i}]\"",
                2 => $"address :matches [\"to\", \"cc\"] \"*team{i}@*\"",
                3 => $"header :contains \"list-id\" \"list{i}.example\"",
                4 => $"allof (size :over {i + 1}M, envelope :is \"from\" \"big{i}@remote.example\")",
                _ => $"body :text :contains \"unsubscribe-code-{i}\"",
            };
            script.Append($"if {test} {{\r\n    fileinto :create \"Rules/{i}\";\r\n    stop;\r\n}}\r\n");
        }
        // Three that match the benchmark message, so its delivery carries flags and a folder of its own.
        script.Append("if header :is \"subject\" \"bench\" { addflag \"$bench\"; }\r\n");
        script.Append("if address :domain \"from\" \"remote.example\" { addflag \"\\\\Flagged\"; }\r\n");
        script.Append("if size :over 1K { fileinto :create \"Bench\"; }\r\n");
        return script.ToString();
    }
}
