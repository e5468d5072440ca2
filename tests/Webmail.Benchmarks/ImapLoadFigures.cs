using System.Globalization;

namespace Webmail.Benchmarks;

/// <summary>The options of <c>imap-load</c>; the defaults are issue 18's figures.</summary>
internal sealed record ImapLoadOptions(double Minutes, int Idle, int Active, int Accounts, double Rate, int Browsers, int Kills, double FaultMinutes,
    int ThinkMs, int SmtpConnections, int Prefill, string? Output, string? Append)
{
    public static ImapLoadOptions Parse(string[] args) => new(
        BenchmarkOptions.Number(args, "--minutes", 10),
        (int)BenchmarkOptions.Number(args, "--idle", 500),
        (int)BenchmarkOptions.Number(args, "--active", 500),
        Math.Max(1, (int)BenchmarkOptions.Number(args, "--accounts", 20)),
        BenchmarkOptions.Number(args, "--rate", 200),
        (int)BenchmarkOptions.Number(args, "--browsers", 20),
        (int)BenchmarkOptions.Number(args, "--kills", 3),
        BenchmarkOptions.Number(args, "--fault-minutes", 4),
        (int)BenchmarkOptions.Number(args, "--think-ms", 1000),
        (int)BenchmarkOptions.Number(args, "--smtp-connections", 200),
        (int)BenchmarkOptions.Number(args, "--prefill", 1500),
        BenchmarkOptions.Text(args, "--out"),
        BenchmarkOptions.Text(args, "--append"));

    /// <summary>The command line that reproduces the run.</summary>
    public string CommandLine => string.Create(CultureInfo.InvariantCulture,
        $"imap-load --minutes {Minutes} --idle {Idle} --active {Active} --accounts {Accounts} --rate {Rate} --browsers {Browsers} --kills {Kills} --fault-minutes {FaultMinutes} --think-ms {ThinkMs} --smtp-connections {SmtpConnections} --prefill {Prefill}");

    public override string ToString() => CommandLine;
}

/// <summary>
/// One sample of the server process (VmRSS and PSS in KB) and of CPU time used so far: by the server, by
/// this process (the clients), by the Chromium processes running now, and by the whole machine.
/// </summary>
internal sealed record MemorySample(string Phase, TimeSpan At, long RssKb, long PssKb, long Delivered, int Epoch,
    TimeSpan ServerCpu, TimeSpan ClientCpu, TimeSpan ChromiumCpu, TimeSpan MachineBusy, TimeSpan MachineTotal);

/// <summary>One resynchronisation round and what its checks found.</summary>
internal sealed class RoundFigures(string kind)
{
    public string Kind { get; } = kind;
    public TimeSpan? KillToHealthy { get; set; }

    /// <summary>CPU in cores between the kill and the restarted server's first healthy answer, by whom.</summary>
    public string? RestartCpu { get; set; }
    public int StillBusy { get; set; }
    public TimeSpan AllAnswered { get; set; }
    public int Answered { get; set; }
    public int Clients { get; set; }
    public double[] ClientResyncMs { get; set; } = [];
    public TimeSpan CheckTime { get; set; }
    public int Messages { get; set; }
    public int ModelsCompared { get; set; }
    public int Promises { get; set; }
    public int NotSeen { get; set; }
    public List<string> Problems { get; set; } = [];
}

/// <summary>Everything an <c>imap-load</c> run measured, for <see cref="ImapLoadReport"/>.</summary>
internal sealed class ImapLoadFigures(ImapLoadOptions options, DateTimeOffset started, string loadAtStart)
{
    public ImapLoadOptions Options { get; } = options;
    public DateTimeOffset Started { get; } = started;
    public string LoadAtStart { get; } = loadAtStart;
    public string LoadAtEnd { get; set; } = "";
    public IReadOnlyDictionary<string, string> Settings { get; set; } = new Dictionary<string, string>();
    public int BrowsersSignedIn { get; set; }
    public ImapLoadStats Steady { get; } = new();
    public ImapLoadStats Faults { get; } = new();

    /// <summary>What the rounds' own commands (resynchronisation, reading the store) saw.</summary>
    public ImapLoadStats Checks { get; } = new();

    public TimeSpan SteadyElapsed { get; set; }
    public TimeSpan FaultLoadElapsed { get; set; }
    public TimeSpan FaultElapsed { get; set; }
    public List<MemorySample> Memory { get; } = [];
    public List<RoundFigures> Rounds { get; } = [];
    public bool ServerAlive { get; set; }
    public string ServerLog { get; set; } = "";

    /// <summary>No error outside the suite's own doing and no round found a difference.</summary>
    public bool Passed => Steady.Failures.Errors.IsEmpty && Faults.Failures.Errors.IsEmpty && Checks.Failures.Errors.IsEmpty
        && Rounds.All(r => r.Problems.Count == 0) && ServerAlive;
}
