using System.Diagnostics;
using System.Globalization;

namespace Webmail.Sieve.Tests.Reference;

/// <summary>
/// Runs Debian's Pigeonhole <c>sieve-test</c> (package dovecot-sieve) in a private directory with a
/// minimal Dovecot configuration. Dovecot refuses to run mail code as root, so as root the
/// configuration drops to nobody (uid 65534) and the directory is open to it; otherwise it runs as
/// the current user. Scripts are compiled once (the .svbin beside each copied script is reused).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PigeonholeSieveTest : IDisposable
{
    public const string Program = "/usr/bin/sieve-test";
    public const string EnvelopeFrom = "sender@example.org";
    public const string EnvelopeTo = "bob+sieve@example.net";

    private readonly string _directory;
    private readonly string _config;

    public PigeonholeSieveTest()
    {
        if (!File.Exists(Program))
            throw new InvalidOperationException($"{Program} is missing: install Debian's dovecot-sieve (tests/run.sh does).");
        _directory = Path.Combine(Path.GetTempPath(), "sieve-reference-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        Directory.CreateDirectory(Path.Combine(_directory, "mail"));
        var (uid, gid) = CurrentIds();
        if (uid == 0)
        {
            (uid, gid) = (65534, 65534);
            File.SetUnixFileMode(_directory, (UnixFileMode)Convert.ToInt32("1777", 8));
            File.SetUnixFileMode(Path.Combine(_directory, "mail"), (UnixFileMode)Convert.ToInt32("777", 8));
        }
        _config = Path.Combine(_directory, "dovecot.conf");
        File.WriteAllText(_config, $$"""
            mail_uid = {{uid}}
            mail_gid = {{gid}}
            first_valid_uid = 1
            first_valid_gid = 1
            mail_location = maildir:{{_directory}}/mail
            plugin {
              sieve_extensions = +vacation-seconds
            }

            """);
        MakeReadable(_config);
    }

    /// <summary>Copies a corpus file into the private directory, readable by whoever sieve-test runs as.</summary>
    public string Stage(string path)
    {
        var copy = Path.Combine(_directory, Path.GetFileName(path));
        File.Copy(path, copy, overwrite: true);
        MakeReadable(copy);
        return copy;
    }

    /// <summary>Runs a staged script on a staged message; the result in <see cref="ActionList"/> form.</summary>
    public async Task<(List<string> Actions, string Output)> RunAsync(string script, string message)
    {
        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[] { "-c", _config, "-f", EnvelopeFrom, "-a", EnvelopeTo, script, message })
            start.ArgumentList.Add(argument);
        // Date tests without :zone use the local zone: UTC on both sides.
        start.Environment["TZ"] = "UTC";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("sieve-test did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(bound.Token);
        var stdout = await output;
        var stderr = await errors;
        return (PigeonholeOutput.Normalize(stdout, stderr), $"--- stdout\n{stdout}\n--- stderr\n{stderr}");
    }

    private static void MakeReadable(string path) =>
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    private static (int Uid, int Gid) CurrentIds()
    {
        int Field(string name) => int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(name, StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (Field("Uid:"), Field("Gid:"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
