using Webmail.Benchmarks;

// The benchmark harness: `dotnet run -c Release --project tests/Webmail.Benchmarks -- <suite> [options]`.
// Each suite writes its figures to the console; `report --out docs/benchmarks.md` writes the report.
var suite = args.Length > 0 ? args[0] : "";
var rest = args.Skip(1).ToArray();
switch (suite)
{
    case "store": return await StoreBenchmark.RunAsync(rest);
    case "smtp": return await SmtpBenchmark.RunAsync(rest);
    case "pop3": return await Pop3Benchmark.RunAsync(rest);
    case "web": await WebBenchmark.RunAsync(rest); return 0;
    case "web-circuits": await WebCircuitsBenchmark.RunAsync(rest); return 0;
    case "imap": return await ImapBenchmark.RunAsync(rest);
    case "imap-profile": return await ImapBenchmark.ProfileAsync(rest);
    case "outbound": await OutboundBenchmark.RunAsync(rest); return 0;
    case "resilience": await ResilienceBenchmark.RunAsync(rest); return 0;
    case "report": return await ReportBenchmark.RunAsync(rest);
    case "soak": return await SoakBenchmark.RunAsync(rest);
    case "imap-load": return await ImapLoadBenchmark.RunAsync(rest);
    case "sieve": return await SieveBenchmark.RunAsync(rest);
    case "postgres": return await PostgresBenchmark.RunAsync(rest);
    case "all":
        var status = await StoreBenchmark.RunAsync(rest) | await SmtpBenchmark.RunAsync(rest) | await Pop3Benchmark.RunAsync(rest);
        await WebBenchmark.RunAsync(rest);
        return status | await ImapBenchmark.RunAsync(rest, optional: true);
    default:
        Console.WriteLine("usage: Webmail.Benchmarks store|smtp|pop3|web|web-circuits|imap|imap-profile|imap-load|sieve|postgres|outbound|resilience|soak|report|all [options]");
        return suite.Length == 0 ? 0 : 2;
}
