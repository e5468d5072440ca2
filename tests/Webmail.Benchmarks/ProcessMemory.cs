using System.Diagnostics;

namespace Webmail.Benchmarks;

/// <summary>
/// Memory of a set of processes, read from /proc: PSS (proportional set size: shared pages split
/// between the processes that map them, so a multi-process server like Postfix+Dovecot is not
/// counted once per process for the same libraries) and the number of processes.
/// </summary>
internal static class ProcessMemory
{
    /// <summary>The PSS of one process in KB (0 when it is gone).</summary>
    public static long PssKilobytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(4).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process exited between listing and reading.
        }
        return 0;
    }

    /// <summary>VmRSS of a process from /proc/&lt;pid&gt;/status, in KB (0 once it is gone).</summary>
    public static long ResidentKilobytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>CPU time (user + system) the process has used so far, from /proc/pid/stat.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        // Fields after the parenthesised command name: state is 3rd, utime 14th, stime 15th (in clock ticks, 100 per second).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>
    /// CPU time of the whole machine from /proc/stat: busy (user, nice, system, irq, softirq, steal) and
    /// in all (busy plus idle and iowait), summed over the cores.
    /// </summary>
    public static (TimeSpan Busy, TimeSpan Total) MachineCpuTime()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        var total = fields.Sum();
        return (TimeSpan.FromSeconds((total - idle) / 100.0), TimeSpan.FromSeconds(total / 100.0));
    }

    /// <summary>CPU time of the running processes <paramref name="pids"/> returns (one that exits between listing and reading counts 0).</summary>
    public static TimeSpan TotalCpuTime(IEnumerable<int> pids)
    {
        var total = TimeSpan.Zero;
        foreach (var pid in pids)
        {
            try
            {
                total += CpuTime(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }
        return total;
    }

    /// <summary>Every running process whose executable lies under one of <paramref name="prefixes"/>.</summary>
    public static List<int> ProcessesUnder(params string[] prefixes)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            string? exe;
            try
            {
                exe = new FileInfo(Path.Combine(dir, "exe")).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (exe is not null && prefixes.Any(p => exe.StartsWith(p, StringComparison.Ordinal)))
                pids.Add(pid);
        }
        return pids;
    }

    /// <summary><paramref name="root"/> and all its descendants, by the parent pid in /proc/*/stat.</summary>
    public static List<int> ProcessTree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            // Fields after the parenthesised command name: state, then the parent pid.
            var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            if (!children.TryGetValue(parent, out var list))
                children[parent] = list = [];
            list.Add(pid);
        }
        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            if (children.TryGetValue(tree[i], out var list))
                tree.AddRange(list);
        }
        return tree;
    }

    /// <summary>Total PSS in KB of the processes <paramref name="pids"/> returns now.</summary>
    public static long TotalPssKilobytes(Func<IEnumerable<int>> pids) => pids().Sum(PssKilobytes);

    /// <summary>Samples a measure every 100 ms until disposed and keeps the peak.</summary>
    public sealed class PeakSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        /// <summary>Starts sampling <paramref name="measure"/>.</summary>
        public PeakSampler(Func<long> measure)
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var value = measure();
                    if (value > Peak)
                        Peak = value;
                    try
                    {
                        await Task.Delay(100, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });
        }

        public long Peak { get; private set; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
