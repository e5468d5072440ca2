using System.Diagnostics;

namespace Webmail.Host.Tests;

/// <summary>What one run of the real executable printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public IReadOnlyList<string> StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The built <c>Webmail.dll</c> (src/Webmail's output for this configuration), run with <c>dotnet</c>
/// as a child process, exactly as an operator runs it.
/// </summary>
public static class WebmailExecutable
{
    /// <summary>tests/Webmail.Host.Tests/bin/&lt;configuration&gt;/net10.0 → src/Webmail/bin/&lt;configuration&gt;/net10.0.</summary>
    public static string DllPath { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Webmail", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Webmail.dll"));

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string workingDirectory)
    {
        if (!File.Exists(DllPath))
            throw new InvalidOperationException($"Webmail.dll not built at {DllPath}");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        return info;
    }

    /// <summary>Runs one CLI command against <paramref name="dataDirectory"/>, feeding <paramref name="stdin"/>.</summary>
    public static Task<CliResult> RunAsync(string dataDirectory, string? stdin, params string[] args) =>
        RunAsync(TimeSpan.FromSeconds(60), dataDirectory, stdin, args);

    /// <summary>As <see cref="RunAsync(string, string?, string[])"/>, for a command that may take up to <paramref name="limit"/>.</summary>
    public static async Task<CliResult> RunAsync(TimeSpan limit, string dataDirectory, string? stdin, params string[] args)
    {
        var info = StartInfo([.. args, $"--Webmail:DataDirectory={dataDirectory}"], dataDirectory);
        using var process = Process.Start(info)!;
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Webmail {string.Join(' ', args)} did not finish in {limit.TotalSeconds:F0} s");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
