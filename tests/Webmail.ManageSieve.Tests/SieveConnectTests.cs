using Webmail.Testing;

namespace Webmail.ManageSieve.Tests;

/// <summary>
/// Debian's <c>sieve-connect</c> (a Perl client nobody here wrote) against the server: STARTTLS (the
/// test's self-signed certificate, not verified on loopback), SASL PLAIN, then list, upload, download,
/// activate, deactivate and delete. <c>tests/run.sh</c> installs it when missing.
/// </summary>
public sealed class SieveConnectTests : IAsyncLifetime
{
    private const string Script = "require [\"fileinto\", \"imap4flags\"];\n# Sorted by sieve-connect\nif header :contains \"list-id\" \"dev\" {\n  fileinto \"Lists/dev\";\n  addflag \"\\\\Seen\";\n}\n";

    private ManageSieveTestHost _host = null!;
    private readonly TempDirectory _files = new("sieve-connect");

    public async Task InitializeAsync() => _host = await ManageSieveTestHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>Runs sieve-connect with one action; the password goes in on standard input (<c>--passwordfd 0</c>).</summary>
    private async Task<ProgramResult> RunAsync(params string[] action)
    {
        var result = await ExternalProgram.RunAsync("sieve-connect",
            ["--server", "127.0.0.1", "--port", _host.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--nosrv",
             "--user", ManageSieveTestHost.Address, "--passwordfd", "0", "--noclearchan", "--notlsverify", .. action],
            TimeSpan.FromSeconds(60), standardInput: ManageSieveTestHost.Password + "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    [Fact]
    public async Task SieveConnectListsUploadsDownloadsActivatesAndDeletes()
    {
        var local = Path.Combine(_files.Path, "rules.sieve");
        await File.WriteAllTextAsync(local, Script);

        Assert.Equal("", (await RunAsync("--list")).Output.Trim());
        await RunAsync("--upload", "--localsieve", local, "--remotesieve", "rules");
        Assert.Equal(Script, await _host.Scripts.GetAsync(_host.Account.Id, "rules", default));

        var downloaded = Path.Combine(_files.Path, "downloaded.sieve");
        await RunAsync("--download", "--remotesieve", "rules", "--localsieve", downloaded);
        Assert.Equal(Script, await File.ReadAllTextAsync(downloaded));

        await RunAsync("--activate", "--remotesieve", "rules");
        Assert.Equal("rules", (await _host.Scripts.GetActiveAsync(_host.Account.Id, default))?.Name);
        // sieve-connect prints the LISTSCRIPTS lines as the server sent them.
        Assert.Equal("\"rules\" ACTIVE", (await RunAsync("--list")).Output.Trim());

        await RunAsync("--deactivate");
        Assert.Null(await _host.Scripts.GetActiveAsync(_host.Account.Id, default));
        await RunAsync("--delete", "--remotesieve", "rules");
        Assert.Empty(await _host.Scripts.ListAsync(_host.Account.Id, default));
    }

    [Fact]
    public async Task SieveConnectReportsTheLineOfAnInvalidScript()
    {
        var local = Path.Combine(_files.Path, "bad.sieve");
        await File.WriteAllTextAsync(local, "require \"fileinto\";\nfilein \"x\";\n");

        var result = await ExternalProgram.RunAsync("sieve-connect",
            ["--server", "127.0.0.1", "--port", _host.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--nosrv",
             "--user", ManageSieveTestHost.Address, "--passwordfd", "0", "--noclearchan", "--notlsverify", "--upload", "--localsieve", local],
            TimeSpan.FromSeconds(60), standardInput: ManageSieveTestHost.Password + "\n");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("line 2: unknown command 'filein'", result.Output + result.Errors);
        Assert.Empty(await _host.Scripts.ListAsync(_host.Account.Id, default));
    }
}
