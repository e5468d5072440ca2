using System.Diagnostics;

namespace Webmail.Testing;

/// <summary>What a finished program left: its exit code and everything it wrote.</summary>
public sealed record ProgramResult(int ExitCode, string Output, string Errors)
{
    /// <summary>Both streams, for an assertion message.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Errors}";
}

/// <summary>
/// Runs a real program nobody here wrote (curl, python3, fetchmail, mbsync) with a time bound,
/// capturing its output. A program still running at the bound is killed with its children and
/// the test fails with what it had written so far.
/// </summary>
public static class ExternalProgram
{
    public static async Task<ProgramResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout,
        string? workingDirectory = null, string? standardInput = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }
        using var bound = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{file} ran past {timeout.TotalSeconds:0} s.\n--- stdout\n{await output}\n--- stderr\n{await errors}");
        }
        return new ProgramResult(process.ExitCode, await output, await errors);
    }
}
