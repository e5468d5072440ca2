using System.Globalization;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// appsettings.json in the content root (here the data directory, as with the default "data" under it) reloads when
/// edited, and nothing watches the data directory: the host's default watcher covered the content root and everything
/// under it, so each write to the SQLite file woke it.
/// </summary>
public sealed class SettingsFileTests
{
    [Fact]
    public async Task AnEditedSettingsFileTakesEffectAndNothingWatchesTheDataDirectory()
    {
        using var data = new TempDirectory("webmail-settings-file");
        var settings = Path.Combine(data.Path, "appsettings.json");
        await File.WriteAllTextAsync(settings, """{ "Logging": { "LogLevel": { "Microsoft.AspNetCore.Hosting.Diagnostics": "Warning" } } }""");
        await using var server = await ServerProcess.StartAsync(data.Path);

        Assert.DoesNotContain(Inode(data.Path), WatchedInodes(server.ProcessId));

        using var http = new HttpClient();
        await http.GetAsync(server.BaseUrl + "/healthz");
        Assert.DoesNotContain(server.Output, line => line.Contains("Request starting", StringComparison.Ordinal));
        await File.WriteAllTextAsync(settings, """{ "Logging": { "LogLevel": { "Microsoft.AspNetCore.Hosting.Diagnostics": "Information" } } }""");
        // The file is polled (every 4 seconds): within a few polls a request is logged at the new level.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!server.Output.Any(line => line.Contains("Request starting", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the edited log level did not take effect in 20 s");
            await http.GetAsync(server.BaseUrl + "/healthz");
            await Task.Delay(250);
        }
    }

    private static string Inode(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var inode = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return long.Parse(inode, CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture);
    }

    /// <summary>The inodes the process's inotify instances watch, in hex as /proc/PID/fdinfo lists them ("inotify wd:1 ino:2a1b ...").</summary>
    private static IEnumerable<string> WatchedInodes(int processId) =>
        Directory.EnumerateFiles($"/proc/{processId}/fdinfo")
            .SelectMany(file => { try { return File.ReadAllLines(file); } catch (IOException) { return []; } })
            .Where(line => line.StartsWith("inotify ", StringComparison.Ordinal))
            .Select(line => line.Split(' ').First(part => part.StartsWith("ino:", StringComparison.Ordinal))["ino:".Length..])
            .ToList();
}
