using Webmail.Cli;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Dkim;

/// <summary><c>Webmail dkim generate|show</c> through the operator CLI over a real data directory.</summary>
public sealed class DkimCliTests : IDisposable
{
    private readonly TempDirectory _data = new("webmail-dkim-cli");

    public void Dispose() => _data.Dispose();

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await OperatorCli.RunAsync([.. args, $"--Webmail:DataDirectory={_data.Path}"], new StringReader(""), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task DkimGeneratePrintsTheTxtRecordToPublish()
    {
        Assert.Equal(0, (await RunAsync("domain", "add", "a.example")).Exit);

        var (exit, output, _) = await RunAsync("dkim", "generate", "a.example");

        Assert.Equal(0, exit);
        Assert.Matches(@"wm\d{14}\._domainkey\.a\.example\. IN TXT ""v=DKIM1; k=rsa; p=MII", output);
        var shown = await RunAsync("dkim", "show", "a.example");
        Assert.Equal(0, shown.Exit);
        Assert.Contains(shown.Out.Trim(), output);
        Assert.Contains("dkim=wm", (await RunAsync("domain", "list")).Out);
    }

    [Fact]
    public async Task DkimGenerateForAnUnknownDomainFails()
    {
        var (exit, _, error) = await RunAsync("dkim", "generate", "nowhere.example");

        Assert.Equal(1, exit);
        Assert.Contains("nowhere.example", error);
    }

    [Fact]
    public async Task DkimWithoutADomainIsAUsageError()
    {
        Assert.Equal(2, (await RunAsync("dkim", "generate")).Exit);
    }
}
