using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary><c>Webmail sieve list|get|put|activate|delete</c>, driven as the real executable over a temp data directory.</summary>
public sealed class SieveCliTests : IDisposable
{
    private const string Script = "require \"fileinto\";\r\nif header :contains \"subject\" \"[dev]\" {\r\n  fileinto \"Lists\";\r\n}\r\n";
    private readonly TempDirectory _data = new("webmail-sieve-cli");

    private Task<CliResult> Run(params string[] args) => WebmailExecutable.RunAsync(_data.Path, null, args);

    private Task<CliResult> RunWithStdin(string stdin, params string[] args) => WebmailExecutable.RunAsync(_data.Path, stdin, args);

    private static void AssertSucceeded(CliResult result) => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");

    private static void AssertRefused(CliResult result, string reason)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal("error: " + reason, Assert.Single(result.StderrLines));
    }

    private async Task AddLucyAsync()
    {
        AssertSucceeded(await Run("domain", "add", "a.example"));
        AssertSucceeded(await RunWithStdin("correct horse battery\n", "account", "add", "lucy@a.example"));
    }

    [Fact]
    public async Task PutGetActivateListAndDeleteAScript()
    {
        await AddLucyAsync();

        AssertSucceeded(await RunWithStdin(Script, "sieve", "put", "lucy@a.example", "rules"));
        var got = await Run("sieve", "get", "lucy@a.example", "rules");
        AssertSucceeded(got);
        Assert.Equal(Script, got.Stdout);

        AssertSucceeded(await Run("sieve", "activate", "lucy@a.example", "rules"));
        var listed = Assert.Single((await Run("sieve", "list", "lucy@a.example")).StdoutLines);
        Assert.StartsWith($"rules\tactive\t{Script.Length}\t", listed);
        AssertRefused(await Run("sieve", "delete", "lucy@a.example", "rules"), "\"rules\" is the active script; make another active or turn filtering off first.");

        AssertSucceeded(await Run("sieve", "activate", "lucy@a.example"));
        Assert.StartsWith("rules\t-\t", Assert.Single((await Run("sieve", "list", "lucy@a.example")).StdoutLines));
        AssertSucceeded(await Run("sieve", "delete", "lucy@a.example", "rules"));
        Assert.Empty((await Run("sieve", "list", "lucy@a.example")).StdoutLines);
    }

    [Fact]
    public async Task AnInvalidScriptIsRefusedWithItsLinesAndNothingIsStored()
    {
        await AddLucyAsync();

        var refused = await RunWithStdin("require \"fileinto\";\nfilein \"Lists\";\n", "sieve", "put", "lucy@a.example", "broken");

        Assert.Equal(1, refused.ExitCode);
        var line = Assert.Single(refused.StderrLines);
        Assert.StartsWith("error: the script is not valid: line 2: ", line, StringComparison.Ordinal);
        Assert.Contains("filein", line, StringComparison.Ordinal);
        Assert.Empty((await Run("sieve", "list", "lucy@a.example")).StdoutLines);
    }

    [Fact]
    public async Task UnknownAccountsScriptsAndShapesAreRefused()
    {
        await AddLucyAsync();

        Assert.Equal(1, (await Run("sieve", "list", "nobody@a.example")).ExitCode);
        AssertRefused(await Run("sieve", "get", "lucy@a.example", "missing"), "There is no script named \"missing\".");
        AssertRefused(await Run("sieve", "activate", "lucy@a.example", "missing"), "There is no script named \"missing\".");
        var usage = await Run("sieve", "put", "lucy@a.example");
        Assert.Equal(2, usage.ExitCode);
        Assert.Equal(2, (await Run("sieve", "rename", "lucy@a.example")).ExitCode);
    }

    public void Dispose() => _data.Dispose();
}
