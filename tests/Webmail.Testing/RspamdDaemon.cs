using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Webmail.Testing;

/// <summary>
/// Debian's rspamd (installed by tests/run.sh) running on loopback for a test class: a temporary directory with a
/// minimal configuration over the packaged one — the normal and controller workers on free ports, no proxy, DNS
/// pointed at a closed loopback port (no lookups leave the machine), four TLDs for URL detection, the Bayes classifier on SQLite files (no Redis),
/// learning from one example, and a sender rule standing for "looks like spam": mail from <see cref="SpammyDomain"/>
/// scores 8, between add-header (6) and reject (15). GTUBE is rspamd's own reject.
/// </summary>
public sealed class RspamdDaemon : IAsyncDisposable
{
    public const string SpammyDomain = "spammer.example";

    private readonly TempDirectory _directory;
    private readonly Process _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private RspamdDaemon(int controllerPort, Process process, TempDirectory directory)
    {
        Url = $"http://127.0.0.1:{controllerPort}";
        _process = process;
        _directory = directory;
    }

    /// <summary>The controller's base URL: the value for <c>Webmail:Spam:RspamdUrl</c>.</summary>
    public string Url { get; }

    public static async Task<RspamdDaemon> StartAsync()
    {
        if (!File.Exists("/usr/bin/rspamd"))
            throw new InvalidOperationException("rspamd is not installed: tests/run.sh installs Debian's rspamd package.");
        var directory = new TempDirectory();
        var root = directory.Path;
        var etc = Path.Combine(root, "etc");
        foreach (var sub in new[] { "etc/local.d", "etc/override.d", "db", "run", "log" })
            Directory.CreateDirectory(Path.Combine(root, sub));
        var normalPort = FreePort.Next();
        var controllerPort = FreePort.Next();
        var closedPort = FreePort.Next();
        void Write(string name, string text) => File.WriteAllText(Path.Combine(etc, name), text);
        Write("override.d/worker-normal.inc", $"bind_socket = \"127.0.0.1:{normalPort}\";\ncount = 1;\n");
        // secure_ip: this machine may learn without the controller's password.
        Write("override.d/worker-controller.inc", $"bind_socket = \"127.0.0.1:{controllerPort}\";\ncount = 1;\nsecure_ip = \"127.0.0.1\";\n");
        Write("override.d/worker-proxy.inc", "enabled = false;\n");
        Write("override.d/logging.inc", "type = \"file\";\nfilename = \"$LOGDIR/rspamd.log\";\nlevel = \"info\";\n");
        // A few TLDs instead of the Public Suffix List: compiling its 9,600 suffixes at start takes minutes on a busy machine.
        Write("tlds.dat", "com\norg\nnet\nexample\n");
        Write("local.d/options.inc", $"dns {{ nameserver = [\"127.0.0.1:{closedPort}\"]; timeout = 0.2s; retransmits = 1; }}\nurl_tld = \"$LOCAL_CONFDIR/tlds.dat\";\n");
        Write("local.d/actions.conf", "reject = 15;\nadd_header = 6;\ngreylist = 4;\n");
        Write("override.d/classifier-bayes.conf", """
            backend = "sqlite3";
            min_learns = 1;
            statfile { symbol = "BAYES_HAM"; spam = false; path = "$DBDIR/bayes.ham.sqlite"; }
            statfile { symbol = "BAYES_SPAM"; spam = true; path = "$DBDIR/bayes.spam.sqlite"; }
            cache { type = "sqlite3"; path = "$DBDIR/learn_cache.sqlite"; }
            """);
        Write("spammy-senders.map", SpammyDomain + "\n");
        Write("local.d/multimap.conf", """
            WEBMAIL_TEST_SPAMMY_SENDER {
              type = "from";
              filter = "email:domain";
              map = "$LOCAL_CONFDIR/spammy-senders.map";
              score = 8.0;
              description = "Sender domain on the test's list of spammers";
            }
            """);
        var start = new ProcessStartInfo("/usr/bin/rspamd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "-f", "-i", "-u", "root", "-g", "root", "-c", "/etc/rspamd/rspamd.conf",
            $"--var=LOCAL_CONFDIR={etc}", $"--var=DBDIR={root}/db", $"--var=RUNDIR={root}/run", $"--var=LOGDIR={root}/log",
        })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("rspamd did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new RspamdDaemon(controllerPort, process, directory);
        // Loading the configuration takes 10-20 s on a busy machine.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"rspamd exited with {process.ExitCode}: {daemon.Log()}");
            try
            {
                using var ping = await daemon._http.GetAsync(daemon.Url + "/ping");
                if (ping.IsSuccessStatusCode)
                    return daemon;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                await daemon.DisposeAsync();
                throw new TimeoutException("rspamd did not answer /ping within 90 s: " + daemon.Log());
            }
            await Task.Delay(250);
        }
    }

    /// <summary>rspamd's log so far (for a failing assertion's message).</summary>
    public string Log()
    {
        var path = Path.Combine(_directory.Path, "log", "rspamd.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no log)";
    }

    /// <summary>rspamd's own statistics (<c>GET /stat</c>): how many messages it learned, and each Bayes class's count.</summary>
    public async Task<RspamdStat> GetStatAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(Url + "/stat"));
        var root = document.RootElement;
        var classes = root.GetProperty("statfiles").EnumerateArray()
            .ToDictionary(s => s.GetProperty("symbol").GetString()!, s => s.GetProperty("revision").GetInt64());
        return new RspamdStat(root.GetProperty("learned").GetInt64(), classes.GetValueOrDefault("BAYES_SPAM"), classes.GetValueOrDefault("BAYES_HAM"));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _directory.Dispose();
    }
}

/// <summary>rspamd's /stat: <paramref name="Learned"/> lessons taken, and the messages in each Bayes class.</summary>
public sealed record RspamdStat(long Learned, long SpamMessages, long HamMessages);
