using System.Collections.Concurrent;
using System.Diagnostics;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// The real server (<c>dotnet Webmail.dll</c>) as a child process on free loopback ports, so a test
/// can SIGKILL it at any moment. Disposing kills it if it still runs. Unless the settings name their own
/// <c>Webmail:Dns:Servers</c>, it asks an empty <see cref="LoopbackDnsServer"/> that lives as long as it does, never the
/// machine's resolver.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _all = new();
    private readonly LoopbackDnsServer? _dns;

    private ServerProcess(Process process, LoopbackDnsServer? dns, int webPort, int smtpPort, int submissionPort, int pop3Port, int imapPort)
    {
        Pop3Port = pop3Port;
        ImapPort = imapPort;
        _process = process;
        _dns = dns;
        WebPort = webPort;
        SmtpPort = smtpPort;
        SubmissionPort = submissionPort;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int WebPort { get; }
    public int SmtpPort { get; }
    public int SubmissionPort { get; }
    public int Pop3Port { get; }
    public int ImapPort { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the server wrote (for failure messages).</summary>
    public string RecentOutput => string.Join('\n', _output);

    /// <summary>
    /// What the server logged at warning and above since it started (its first 20,000 lines), each distinct entry once with its count: the
    /// level and category, the message, and the first line of its exception (for failure messages of long runs,
    /// where <see cref="RecentOutput"/> holds only the end).
    /// </summary>
    public string LoggedProblems()
    {
        var entries = new List<string>();
        List<string>? entry = null;
        foreach (var line in _all)
        {
            if (line.StartsWith("warn: ", StringComparison.Ordinal) || line.StartsWith("fail: ", StringComparison.Ordinal) || line.StartsWith("crit: ", StringComparison.Ordinal))
            {
                if (entry is not null)
                    entries.Add(string.Join(" | ", entry));
                entry = [line];
            }
            else if (line.StartsWith("info: ", StringComparison.Ordinal) || line.StartsWith("dbug: ", StringComparison.Ordinal) || !line.StartsWith("      ", StringComparison.Ordinal))
            {
                if (entry is not null)
                    entries.Add(string.Join(" | ", entry));
                entry = null;
            }
            else if (entry is null)
            {
            }
            else if (!line.TrimStart().StartsWith("at ", StringComparison.Ordinal))
            {
                // The message, then the exception's first line; numbers vary per entry (session ids, ports), so
                // they are masked to group alike entries.
                if (entry.Count < 3)
                    entry.Add(System.Text.RegularExpressions.Regex.Replace(line.Trim(), "[0-9]+", "#"));
            }
            else if (entry.Count == 3 && line.TrimStart().StartsWith("at Webmail.", StringComparison.Ordinal) && !line.Contains("Webmail.Storage", StringComparison.Ordinal))
            {
                // The first frame of the application above the store: who called.
                entry.Add(System.Text.RegularExpressions.Regex.Replace(line.Trim(), " in /.*$", ""));
            }
        }
        if (entry is not null)
            entries.Add(string.Join(" | ", entry));
        return string.Join('\n', entries.GroupBy(e => e).Select(g => $"{g.Count()}× {g.Key}"));
    }

    /// <summary>The built server, next to this test assembly's configuration (Debug/Release).</summary>
    public static string ServerDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            var repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
            return Path.Combine(repo, "src", "Webmail", "bin", configuration, "net10.0", "Webmail.dll");
        }
    }

    /// <summary>Starts the server over <paramref name="dataDirectory"/> and waits until <c>/healthz</c> answers 200.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null, TimeSpan? timeout = null)
    {
        var dll = ServerDll;
        if (!File.Exists(dll))
            throw new FileNotFoundException("server not built", dll);
        int web = FreePort.Next(), smtp = FreePort.Next(), submission = FreePort.Next(), pop3 = FreePort.Next(), imap = FreePort.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        var dns = LoopbackDnsServer.UnlessConfigured(settings?.Keys ?? []);
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{web}",
            ["Webmail:DataDirectory"] = dataDirectory,
            ["Webmail:Smtp:Inbound:Endpoint"] = $"127.0.0.1:{smtp}",
            ["Webmail:Smtp:Submission:Endpoint"] = $"127.0.0.1:{submission}",
            ["Webmail:Pop3:Endpoint"] = $"127.0.0.1:{pop3}",
            ["Webmail:Imap:Endpoint"] = $"127.0.0.1:{imap}",
            // Not under test here; off, so that two servers never contend for the default port.
            ["Webmail:ManageSieve:Endpoint"] = "",
            ["Logging:LogLevel:Default"] = "Warning",
        }.Concat(dns is null ? [] : [KeyValuePair.Create("Webmail:Dns:Servers:0", dns.Endpoint)])
         .Concat(settings ?? new Dictionary<string, string>()))
        {
            info.ArgumentList.Add($"--{key}={value}");
        }
        info.Environment["DOTNET_gcServer"] = "0";
        var server = new ServerProcess(Process.Start(info)!, dns, web, smtp, submission, pop3, imap);
        try
        {
            await server.WaitHealthyAsync(timeout ?? TimeSpan.FromSeconds(90));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a power cut for the process.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Working set of the server process in bytes.</summary>
    public long WorkingSet
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
        _dns?.Dispose();
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"server exited with {_process.ExitCode}:\n{RecentOutput}");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{WebPort}/healthz");
                if ((int)response.StatusCode == 200)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first answer under load; try again.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"server not healthy within {timeout}:\n{RecentOutput}");
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        // The first lines are kept (where trouble starts), bounded for long runs.
        if (_all.Count < 20_000)
            _all.Enqueue(line);
        while (_output.Count > 200)
            _output.TryDequeue(out _);
    }
}
