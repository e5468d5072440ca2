using System.Diagnostics;
using System.Globalization;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// IMAP under load and under SIGKILL, against the real server process (issue 18): sessions in IDLE
/// on INBOX, active sessions looping SELECT (QRESYNC) / FETCH / STORE / SEARCH / APPEND on a few
/// accounts, SMTP delivering to those accounts at a steady rate and browser circuits reading and
/// archiving mail. Phase one runs it steady for <c>--minutes</c> (per-command latency, errors,
/// memory every 10 s); phase two runs it again for <c>--fault-minutes</c> and kills the server
/// <c>--kills</c> times along the way, restarting it over the same data directory. After each
/// phase and each restart every IMAP client resynchronises with QRESYNC, and the store (read by a
/// fresh session) must equal every client's model and everything the server answered OK.
/// See docs/benchmarks-imap.md. Usage: <c>imap-load [--minutes 10] [--idle 500] [--active 500]
/// [--accounts 20] [--rate 200] [--browsers 20] [--kills 3] [--fault-minutes 4] [--think-ms 1000]
/// [--smtp-connections 200] [--prefill 1500] [--out FILE | --append FILE]</c>; <c>--append</c> adds the run to a report
/// as a further section (a comparison run beside the full one).
/// </summary>
public static class ImapLoadBenchmark
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for every client to answer a round (open sessions, resynchronise).</summary>
    private static readonly TimeSpan RoundBound = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = ImapLoadOptions.Parse(args);
        var figures = new ImapLoadFigures(options, DateTimeOffset.UtcNow, ReportBenchmark.LoadAverage());
        var users = Enumerable.Range(0, options.Accounts).Select(i => $"load{i}@local.example").ToArray();
        using var data = new TempDirectory("webmail-imap-load");
        await BenchmarkAccounts.CreateAsync(data.Path, users);
        // Measured from an empty store, "memory flat" measured the caches filling (SQLite's page caches
        // grow with the database up to their bounds: +17 % over the last 5 minutes as the database went
        // from 0 to 240 MB), not a leak: the accounts start with mail, as a server in service does.
        if (options.Prefill > 0)
            await BenchmarkAccounts.PrefillAsync(data.Path, users, options.Prefill);
        // Every client comes from 127.0.0.1: the per-address caps are raised above the run's own sessions.
        var perAccount = (options.Idle + options.Active + options.Accounts - 1) / options.Accounts;
        // The sending domain publishes SPF and DMARC as a well-run domain does, so the server's sender checks get
        // answers it caches for their TTL. With an empty zone every check asked again (negative answers are
        // not cached) and this process's DNS server, starved under a load average of 45, answered too late:
        // 2,640 "451 4.7.24 ... (DNS)" replies in the 2026-12-06 run were the harness's own doing.
        using var dns = new LoopbackDnsServer();
        SenderDomain.Publish(dns);
        var settings = new Dictionary<string, string>
        {
            ["Webmail:Dns:Servers:0"] = dns.Endpoint,
            ["Webmail:Limits:MaxImapSessionsPerAccountAndIp"] = Invariant(2 * perAccount + 20),
            ["Webmail:Limits:MaxImapUnauthenticatedPerIp"] = Invariant(options.Idle + options.Active + 100),
            ["Webmail:Limits:MaxSessionsPerIp"] = Invariant(options.SmtpConnections + 50),
        };
        figures.Settings = settings;
        var control = new LoadControl(await ServerProcess.StartAsync(data.Path, settings), data.Path, settings);
        try
        {
            await RunLoadAsync(options, figures, control, users);
        }
        finally
        {
            figures.ServerAlive = !control.Server.HasExited;
            figures.ServerLog = control.Server.RecentOutput;
            await control.Server.DisposeAsync();
        }
        figures.LoadAtEnd = ReportBenchmark.LoadAverage();
        var text = ImapLoadReport.Render(figures, nested: false);
        Console.WriteLine(text);
        if (options.Output is not null)
            await File.WriteAllTextAsync(options.Output, text);
        if (options.Append is not null)
            await File.AppendAllTextAsync(options.Append, ImapLoadReport.Render(figures, nested: true));
        return figures.Passed ? 0 : 1;
    }

    private static async Task RunLoadAsync(ImapLoadOptions options, ImapLoadFigures figures, LoadControl control, string[] users)
    {
        var ledgers = users.Select((user, i) => new AccountLedger(i, user, Enumerable.Range(0, options.Idle).Count(c => c % options.Accounts == i))).ToArray();
        var run = new ImapLoadRun(control, ledgers) { Stats = figures.Checks };
        var activePerAccount = (options.Active + options.Accounts - 1) / options.Accounts;
        var idle = Enumerable.Range(0, options.Idle).Select(i => new ImapIdleClient(run, ledgers[i % options.Accounts], i)).ToList();
        var active = Enumerable.Range(0, options.Active)
            .Select(j => new ImapActiveClient(run, ledgers[j % options.Accounts], j, j / options.Accounts, activePerAccount, TimeSpan.FromMilliseconds(options.ThinkMs)))
            .ToList();
        Console.WriteLine($"imap-load: server pid {control.Server.ProcessId}; {options}");

        // Everything ends by itself: the loops stop at the end, and are cut off if anything hangs.
        using var stop = new CancellationTokenSource();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(options.Minutes + options.FaultMinutes + 30 + 10 * (options.Kills + 2)));
        await using var cutOff = bound.Token.Register(stop.Cancel);
        await using var browser = options.Browsers > 0 ? await Browser.LaunchAsync() : null;
        var smtp = new PacedSmtpLoad(run, options.Rate, options.SmtpConnections);
        var browsers = browser is null ? null : new BrowserLoad(run, browser, options.Browsers);
        var loops = new List<Task>();
        loops.AddRange(idle.Select(c => Task.Run(() => c.RunAsync(stop.Token))));
        loops.AddRange(active.Select(c => Task.Run(() => c.RunAsync(stop.Token))));
        loops.Add(smtp.RunAsync(stop.Token));

        var rounds = new RoundRunner(run, idle, active, figures, browsers);
        figures.Rounds.Add(await rounds.RunAsync("all sessions open (no load yet)", kill: false));
        if (browsers is not null)
        {
            figures.BrowsersSignedIn = await browsers.SignInAllAsync();
            loops.Add(browsers.RunAsync(stop.Token));
        }
        Console.WriteLine($"imap-load: {idle.Count + active.Count} IMAP sessions open in {figures.Rounds[0].AllAnswered.TotalSeconds:F0} s, {figures.BrowsersSignedIn} browser circuits signed in");

        // Phase one: steady load.
        run.Stats = figures.Steady;
        control.Open();
        figures.SteadyElapsed = await SampleAsync(figures, run, smtp, "steady", TimeSpan.FromMinutes(options.Minutes), stop.Token);
        // The round closes the gate and lets work in flight finish (counted in the phase) before it switches to its own figures.
        figures.Rounds.Add(await rounds.RunAsync("end of the steady phase (no kill)", kill: false));

        // Phase two: the same load, killed with SIGKILL along the way.
        run.Stats = figures.Faults;
        var segment = TimeSpan.FromMinutes(options.FaultMinutes / (options.Kills + 1));
        var faultClock = Stopwatch.StartNew();
        for (var k = 0; k <= options.Kills && !stop.IsCancellationRequested; k++)
        {
            control.Open();
            var length = segment * (k < options.Kills ? 0.75 + 0.5 * Random.Shared.NextDouble() : 1);
            figures.FaultLoadElapsed += await SampleAsync(figures, run, smtp, "faults", length, stop.Token);
            var kill = k < options.Kills;
            var result = await rounds.RunAsync(kill ? $"kill {k + 1}" : "end of the fault phase (no kill)", kill);
            figures.Rounds.Add(result);
            run.Stats = figures.Faults;
        }
        figures.FaultElapsed = faultClock.Elapsed;

        await stop.CancelAsync();
        var ended = Task.WhenAll(loops);
        if (await Task.WhenAny(ended, Task.Delay(TimeSpan.FromMinutes(2))) != ended)
            Console.WriteLine("imap-load: some load loops did not stop within 2 minutes");
    }

    /// <summary>Lets the load run for <paramref name="length"/>, sampling the server's memory every 10 s; returns the time it ran.</summary>
    private static async Task<TimeSpan> SampleAsync(ImapLoadFigures figures, ImapLoadRun run, PacedSmtpLoad smtp, string phase, TimeSpan length, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var offset = figures.Memory.Where(s => s.Phase == phase).Select(s => s.At).DefaultIfEmpty().Max();
        while (!stop.IsCancellationRequested)
        {
            var pid = run.Control.Server.ProcessId;
            var machine = ProcessMemory.MachineCpuTime();
            var sample = new MemorySample(phase, offset + clock.Elapsed, ProcessMemory.ResidentKilobytes(pid), ProcessMemory.PssKilobytes(pid), run.Stats.SmtpDelivered, run.Control.Epoch,
                ServerCpu(pid), Process.GetCurrentProcess().TotalProcessorTime, BrowserCpu(pid), machine.Busy, machine.Total);
            figures.Memory.Add(sample);
            var stats = run.Stats;
            Console.WriteLine($"imap-load: {phase} t={sample.At.TotalSeconds,4:F0} s  VmRSS {sample.RssKb / 1024.0,6:F1} MB  PSS {sample.PssKb / 1024.0,6:F1} MB  delivered {stats.SmtpDelivered} (backlog {smtp.Backlog}, skipped {stats.SmtpSkipped})  " +
                $"stores {stats.Stores}  appends {stats.Appends}  idle catch-ups {stats.IdleCatchUps}  web {stats.BrowserActions}  errors {stats.Failures.Errors.Values.Sum()}  load {ReportBenchmark.LoadAverage()}");
            var left = length - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                break;
            try
            {
                await Task.Delay(left < SampleInterval ? left : SampleInterval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return clock.Elapsed;
    }

    /// <summary>One round: close the gate (or kill and restart), let every client resynchronise, then compare the store with everyone.</summary>
    private sealed class RoundRunner(ImapLoadRun run, List<ImapIdleClient> idle, List<ImapActiveClient> active, ImapLoadFigures figures, BrowserLoad? browsers)
    {
        public async Task<RoundFigures> RunAsync(string kind, bool kill)
        {
            var control = run.Control;
            var result = new RoundFigures(kind);
            if (kill)
            {
                var down = Stopwatch.StartNew();
                var (machine, playwright, ours) = (ProcessMemory.MachineCpuTime(), BrowserCpu(control.Server.ProcessId), Process.GetCurrentProcess().TotalProcessorTime);
                await control.KillAsync();
                Console.WriteLine($"imap-load: {kind}: SIGKILL");
                if (browsers is not null)
                    await browsers.CloseAllAsync();
                await control.RestartAsync();
                result.KillToHealthy = down.Elapsed;
                // Where the machine's time went while the server was down and starting (it runs nothing of the server's before).
                var seconds = down.Elapsed.TotalSeconds;
                var machineNow = ProcessMemory.MachineCpuTime();
                var busy = (machineNow.Busy - machine.Busy).TotalSeconds / (machineNow.Total - machine.Total).TotalSeconds * Environment.ProcessorCount;
                var server = ServerCpu(control.Server.ProcessId).TotalSeconds / seconds;
                var browser = Math.Max(0, (BrowserCpu(control.Server.ProcessId) - playwright).TotalSeconds / seconds);
                var client = (Process.GetCurrentProcess().TotalProcessorTime - ours).TotalSeconds / seconds;
                result.RestartCpu = string.Create(CultureInfo.InvariantCulture,
                    $"the starting server {server:F2}, the clients {client:F2}, Playwright and Chromium {browser:F2}, everything else {Math.Max(0, busy - server - browser - client):F2}, idle {Environment.ProcessorCount - busy:F2}");
                Console.WriteLine($"imap-load: {kind}: restarted, pid {control.Server.ProcessId}, healthy after {down.Elapsed.TotalSeconds:F1} s");
            }
            else
            {
                result.StillBusy = await control.CloseAsync(TimeSpan.FromMinutes(2));
            }
            run.Stats = figures.Checks;
            var round = control.StartRound();
            var clients = idle.Count + active.Count;
            var answered = Stopwatch.StartNew();
            while (control.Reported < clients && answered.Elapsed < RoundBound)
                await Task.Delay(50);
            result.AllAnswered = answered.Elapsed;
            result.Answered = control.Reported;
            result.Clients = clients;
            result.ClientResyncMs = [.. idle.Cast<ImapLoadClient>().Concat(active).Where(c => c.AnsweredRound == round && c.ResyncFailure is null).Select(c => c.LastResyncMs)];
            Console.WriteLine($"imap-load: {kind}: {result.Answered} of {clients} clients resynchronised in {result.AllAnswered.TotalSeconds:F1} s; checking the store");

            var checking = Stopwatch.StartNew();
            using var parallel = new SemaphoreSlim(4);
            using var timeout = new CancellationTokenSource(RoundBound);
            var outcomes = await Task.WhenAll(run.Accounts.Select(async account =>
            {
                await parallel.WaitAsync(timeout.Token);
                try
                {
                    var truth = await ImapLoadChecks.ReadAsync(run, account, timeout.Token);
                    return ImapLoadChecks.Verify(truth, account, idle.Where(c => c.Account == account), active.Where(c => c.Account == account));
                }
                catch (Exception e) when (e is IOException or ReplyException or OperationCanceledException or System.Net.Sockets.SocketException)
                {
                    return new ImapLoadChecks.Outcome([$"{account.User}: the store could not be read: {e.Message}"], 0, 0, 0, 0);
                }
                finally
                {
                    parallel.Release();
                }
            }));
            result.CheckTime = checking.Elapsed;
            result.Messages = outcomes.Sum(o => o.Messages);
            result.ModelsCompared = outcomes.Sum(o => o.ModelsCompared);
            result.Promises = outcomes.Sum(o => o.Promises);
            result.NotSeen = outcomes.Sum(o => o.NotSeen);
            result.Problems = [.. outcomes.SelectMany(o => o.Problems)];
            if (result.Answered < clients)
                result.Problems.Insert(0, $"{clients - result.Answered} clients did not resynchronise within {RoundBound.TotalMinutes:F0} minutes");
            Console.WriteLine($"imap-load: {kind}: {result.Messages} messages, {result.ModelsCompared} models and {result.Promises} flag promises compared in {result.CheckTime.TotalSeconds:F1} s: {result.Problems.Count} problems");
            foreach (var problem in result.Problems.Take(10))
                Console.WriteLine("  " + problem);
            return result;
        }
    }

    /// <summary>CPU time of this process's children other than the server: Playwright's driver and the Chromium it runs (those alive now).</summary>
    private static TimeSpan BrowserCpu(int serverPid)
    {
        var self = Environment.ProcessId;
        var server = ProcessMemory.ProcessTree(serverPid).ToHashSet();
        return ProcessMemory.TotalCpuTime(ProcessMemory.ProcessTree(self).Where(p => p != self && !server.Contains(p)));
    }

    private static TimeSpan ServerCpu(int pid)
    {
        try
        {
            return ProcessMemory.CpuTime(pid);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
