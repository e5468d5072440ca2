using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>The operator CLI, driven as the real executable (<c>dotnet Webmail.dll ...</c>) over a temp data directory.</summary>
public sealed class CliTests : IDisposable
{
    private const string Password = "correct horse battery";
    private readonly TempDirectory _data = new("webmail-cli");

    private Task<CliResult> Run(params string[] args) => WebmailExecutable.RunAsync(_data.Path, null, args);

    private Task<CliResult> RunWithStdin(string stdin, params string[] args) => WebmailExecutable.RunAsync(_data.Path, stdin, args);

    private static void AssertSucceeded(CliResult result) => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");

    /// <summary>Exit 1, nothing on stdout, exactly one line on stderr that names the problem.</summary>
    private static void AssertRefused(CliResult result, string reason)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<LoginStatus> CheckPasswordAsync(string address, string password)
    {
        await using var store = new TestStoreAt(_data.Path);
        var result = await store.Services.GetRequiredService<CredentialVerifier>().VerifyAsync(address, password, null, "test", default);
        return result.Status;
    }

    [Fact]
    public async Task DomainAddListCatchAllAndRemove()
    {
        AssertSucceeded(await Run("domain", "add", "A.Example"));
        AssertSucceeded(await Run("domain", "add", "b.example"));
        AssertSucceeded(await RunWithStdin(Password + "\n", "account", "add", "lucy@a.example"));

        AssertSucceeded(await Run("domain", "catchall", "a.example", "lucy@a.example"));
        var listed = await Run("domain", "list");
        AssertSucceeded(listed);
        Assert.Equal(["a.example\tcatch-all=lucy@a.example\tdkim=-", "b.example\tcatch-all=-\tdkim=-"], listed.StdoutLines.Order().ToArray());

        AssertSucceeded(await Run("domain", "catchall", "a.example", "--none"));
        Assert.Contains("a.example\tcatch-all=-\tdkim=-", (await Run("domain", "list")).StdoutLines);

        AssertSucceeded(await Run("domain", "remove", "b.example"));
        AssertRefused(await Run("domain", "remove", "a.example"), "remove them first");
        Assert.Equal(["a.example\tcatch-all=-\tdkim=-"], (await Run("domain", "list")).StdoutLines);
    }

    [Fact]
    public async Task AccountAddTakesThePasswordFromStdinAndHonoursItsOptions()
    {
        AssertSucceeded(await Run("domain", "add", "a.example"));

        var added = await RunWithStdin(Password + "\r\nignored second line\n", "account", "add", "Lucy@A.example", "--admin", "--quota", "1G", "--name", "Lucy Liu");
        AssertSucceeded(added);
        AssertSucceeded(await RunWithStdin(Password + "\n", "account", "add", "bob@a.example"));

        var list = await Run("account", "list");
        AssertSucceeded(list);
        Assert.Contains("lucy@a.example\tLucy Liu\tadmin\t0B/1G\t0 messages\tpop3=delete", list.StdoutLines);
        Assert.Contains("bob@a.example\t\t-\t0B/unlimited\t0 messages\tpop3=delete", list.StdoutLines);
        Assert.Equal(LoginStatus.Succeeded, await CheckPasswordAsync("lucy@a.example", Password));
        Assert.DoesNotContain(Password, added.Stdout + added.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswdDisableEnablePolicyAndRemoveChangeTheAccount()
    {
        AssertSucceeded(await Run("domain", "add", "a.example"));
        AssertSucceeded(await RunWithStdin(Password + "\n", "account", "add", "lucy@a.example"));

        AssertSucceeded(await RunWithStdin("a new long password\n", "account", "passwd", "lucy@a.example"));
        Assert.Equal(LoginStatus.Succeeded, await CheckPasswordAsync("lucy@a.example", "a new long password"));
        Assert.Equal(LoginStatus.Failed, await CheckPasswordAsync("lucy@a.example", Password));

        AssertSucceeded(await Run("account", "disable", "lucy@a.example"));
        Assert.Contains("\tdisabled\t", (await Run("account", "list")).Stdout, StringComparison.Ordinal);
        Assert.NotEqual(LoginStatus.Succeeded, await CheckPasswordAsync("lucy@a.example", "a new long password"));
        AssertSucceeded(await Run("account", "enable", "lucy@a.example"));
        Assert.DoesNotContain("disabled", (await Run("account", "list")).Stdout, StringComparison.Ordinal);

        AssertSucceeded(await Run("account", "policy", "lucy@a.example", "keep"));
        Assert.EndsWith("pop3=keep", Assert.Single((await Run("account", "list")).StdoutLines), StringComparison.Ordinal);
        Assert.Equal(2, (await Run("account", "policy", "lucy@a.example", "shred")).ExitCode);

        // "set" changes only what it is given; the POP3 policy set above stays.
        AssertSucceeded(await Run("account", "set", "lucy@a.example", "--name", "Lucy B", "--quota", "5M", "--admin"));
        Assert.Matches(@"^lucy@a\.example\tLucy B\tadmin\t0B/5M\t0 messages\tpop3=keep$", Assert.Single((await Run("account", "list")).StdoutLines));
        AssertSucceeded(await Run("account", "set", "lucy@a.example", "--quota", "unlimited", "--no-admin"));
        Assert.Matches(@"^lucy@a\.example\tLucy B\t-\t0B/unlimited\t", Assert.Single((await Run("account", "list")).StdoutLines));
        Assert.Equal(2, (await Run("account", "set", "lucy@a.example")).ExitCode);
        AssertRefused(await Run("account", "set", "nobody@a.example", "--admin"), "nobody@a.example");

        AssertSucceeded(await Run("account", "remove", "lucy@a.example"));
        Assert.Equal("", (await Run("account", "list")).Stdout);
        AssertRefused(await Run("account", "remove", "lucy@a.example"), "lucy@a.example");
    }

    [Fact]
    public async Task AliasAddListAndRemove()
    {
        AssertSucceeded(await Run("domain", "add", "a.example"));
        AssertSucceeded(await RunWithStdin(Password + "\n", "account", "add", "lucy@a.example"));
        AssertSucceeded(await RunWithStdin(Password + "\n", "account", "add", "bob@a.example"));

        AssertSucceeded(await Run("alias", "add", "postmaster@a.example", "lucy@a.example,bob@a.example"));
        var alias = Assert.Single((await Run("alias", "list")).StdoutLines).Split('\t');
        Assert.Equal("postmaster@a.example", alias[0]);
        Assert.Equal(["bob@a.example", "lucy@a.example"], alias[1].Split(',').Order().ToArray());
        AssertRefused(await Run("alias", "add", "sales@a.example", "nobody@a.example"), "not a local account");

        AssertSucceeded(await Run("alias", "remove", "postmaster@a.example"));
        Assert.Equal("", (await Run("alias", "list")).Stdout);
    }

    [Fact]
    public async Task QueueListShowsQueuedOutboundMail()
    {
        AssertSucceeded(await Run("queue", "list"));
        await using (var store = new TestStoreAt(_data.Path))
        {
            await store.Services.GetRequiredService<IOutboundQueueStore>().EnqueueAsync(TestMessages.Simple(to: "betty@b.example"),
                new OutboundEnvelope("lucy@a.example", ["betty@b.example"], null), default);
        }

        var queue = await Run("queue", "list");

        AssertSucceeded(queue);
        var line = Assert.Single(queue.StdoutLines);
        Assert.Contains("\tlucy@a.example\tbetty@b.example\tattempts=0\t", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueBounceGivesUpAtOnceAndSendsTheSenderADsn()
    {
        AssertSucceeded(await Run("domain", "add", "a.example"));
        AssertSucceeded(await RunWithStdin(Password + "\n", "account", "add", "lucy@a.example"));
        await using (var store = new TestStoreAt(_data.Path))
        {
            await store.Services.GetRequiredService<IOutboundQueueStore>().EnqueueAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example", subject: "Lost in transit"),
                new OutboundEnvelope("lucy@a.example", ["betty@b.example"], null), default);
        }
        var id = (await Run("queue", "list")).StdoutLines.Single().Split('\t')[0];

        AssertSucceeded(await Run("queue", "bounce", id));

        Assert.Equal("", (await Run("queue", "list")).Stdout);
        AssertRefused(await Run("queue", "bounce", id), "no longer queued");
        AssertRefused(await Run("queue", "retry", id), "no longer queued");
        Assert.Equal(2, (await Run("queue", "bounce", "x")).ExitCode);
        await using (var store = new TestStoreAt(_data.Path))
        {
            var lucy = (await store.Directory.FindAccountAsync("lucy@a.example", default))!;
            var inbox = await store.Messages.GetSpecialFolderAsync(lucy.Id, SpecialFolder.Inbox, default);
            var dsn = Assert.Single((await store.Messages.ListAsync(lucy.Id, inbox.Id, 0, 10, MessageSort.DateDescending, default)).Items);
            var raw = System.Text.Encoding.UTF8.GetString((await store.Messages.GetRawAsync(lucy.Id, dsn.Id, default))!);
            Assert.Contains("multipart/report", raw, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("betty@b.example", raw, StringComparison.Ordinal);
            var audit = await store.Services.GetRequiredService<IAuditLog>().QueryAsync("queue.bounce", 0, 10, default);
            Assert.Equal("cli", Assert.Single(audit.Items).Actor);
        }
    }

    [Fact]
    public async Task SettingsListSetAndReturnToTheConfiguredValue()
    {
        string? Line(CliResult list, string key) => list.StdoutLines.SingleOrDefault(l => l.StartsWith(key + "\t", StringComparison.Ordinal));

        var before = await Run("settings", "list");
        AssertSucceeded(before);
        Assert.Matches(@"^limits\.maxMessageSize\t\d+\tbytes\tconfigured\t", Line(before, "limits.maxMessageSize"));

        AssertSucceeded(await Run("settings", "set", "security.maxFailedLogins", "7"));
        Assert.StartsWith("security.maxFailedLogins\t7\tattempts\tset\t", Line(await Run("settings", "list"), "security.maxFailedLogins"));

        AssertRefused(await Run("settings", "set", "security.maxFailedLogins", "0"), "between 1 and 10000");
        Assert.Equal(2, (await Run("settings", "set", "no.such.setting", "1")).ExitCode);
        Assert.Equal(2, (await Run("settings", "set", "security.maxFailedLogins", "many")).ExitCode);

        AssertSucceeded(await Run("settings", "set", "security.maxFailedLogins", "--configured"));
        Assert.Equal(Line(before, "security.maxFailedLogins"), Line(await Run("settings", "list"), "security.maxFailedLogins"));
    }

    [Fact]
    public async Task RefusalsExitOneWithAOneLineReason()
    {
        AssertSucceeded(await Run("domain", "add", "a.example"));
        AssertSucceeded(await RunWithStdin(Password + "\n", "account", "add", "lucy@a.example"));

        AssertRefused(await RunWithStdin(Password + "\n", "account", "add", "bob@unknown.example"), "unknown.example");
        AssertRefused(await RunWithStdin(Password + "\n", "account", "add", "LUCY@a.example"), "already in use");
        AssertRefused(await RunWithStdin(Password + "\n", "account", "add", "not-an-address"), "not a valid address");
        AssertRefused(await RunWithStdin("short\n", "account", "add", "bob@a.example"), "password");
        AssertRefused(await Run("account", "add", "bob@a.example"), "password");
        AssertRefused(await Run("domain", "add", "not a domain!"), "not a valid domain");
        AssertRefused(await Run("account", "disable", "nobody@a.example"), "nobody@a.example");
    }

    [Fact]
    public async Task UsageErrorsExitTwoAndHelpExitsZero()
    {
        var help = await Run("help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("account add <address>", help.Stdout, StringComparison.Ordinal);

        foreach (var args in new[] { new[] { "account" }, ["domain", "add"], ["alias", "add", "x@a.example"], ["account", "frobnicate", "x"] })
        {
            var result = await Run(args);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: exit {result.ExitCode}");
            Assert.StartsWith("usage: ", Assert.Single(result.StderrLines), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AMistypedVerbIsAUsageErrorAndStartsNoServer()
    {
        var result = await Run("acount", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown command 'acount'", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_data.Path, "webmail.db")));
    }

    public void Dispose() => _data.Dispose();
}
