using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary><c>Webmail import</c> and <c>Webmail export</c> as the operator runs them: the real executable over a temp data directory.</summary>
public sealed class TransferCliTests : IDisposable
{
    private readonly TempDirectory _data = new("webmail-cli-transfer");

    private Task<CliResult> Run(params string[] args) => WebmailExecutable.RunAsync(_data.Path, null, args);

    [Fact]
    public async Task ImportPrintsProgressThenExportWritesWhatWasImported()
    {
        Assert.Equal(0, (await Run("domain", "add", "local.example")).ExitCode);
        Assert.Equal(0, (await WebmailExecutable.RunAsync(_data.Path, "pw for cli 1\n", "account", "add", "cli@local.example")).ExitCode);
        var mbox = _data.File("in.mbox");
        await File.WriteAllTextAsync(mbox, string.Concat(Enumerable.Range(0, 450).Select(i =>
            $"From a@old.example Mon Jan  6 09:30:00 2020\nMessage-ID: <cli{i}@old.example>\nSubject: {i}\n\nbody {i}\n>From here\n\n")));

        var import = await Run("import", "mbox", "cli@local.example", mbox, "--folder", "INBOX");

        Assert.True(import.ExitCode == 0, import.Stderr);
        Assert.Equal(
            ["import: 0/450 (0%) — 0 imported, 0 duplicates, 0 failed",
             "import: 200/450 (44%) — 200 imported, 0 duplicates, 0 failed",
             "import: 400/450 (88%) — 400 imported, 0 duplicates, 0 failed",
             "import: 450/450 (100%) — 450 imported, 0 duplicates, 0 failed",
             "Imported 450 messages."], import.StdoutLines);

        var again = await Run("import", "mbox", "cli@local.example", mbox);
        Assert.Equal("Imported 0 messages, skipped 450 already there.", again.StdoutLines[^1]);

        var export = await Run("export", "cli@local.example", _data.File("out.mbox"), "--folder", "INBOX");
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.StartsWith("exported 450 messages to ", export.StdoutLines[^1]);
        var exported = await File.ReadAllTextAsync(_data.File("out.mbox"));
        // One separator per message (these have no From field, so the sender is MAILER-DAEMON); the body's line is quoted.
        Assert.Equal(450, exported.Split('\n').Count(l => l.StartsWith("From MAILER-DAEMON Mon Jan  6 09:30:00 2020", StringComparison.Ordinal)));
        Assert.Equal(450, exported.Split('\n').Count(l => l.StartsWith("From ", StringComparison.Ordinal)));
        Assert.Contains("\nbody 0\n>From here\n\n", exported); // stored as "From here" (the mboxrd quote undone), quoted again on the way out
    }

    [Fact]
    public async Task ImportOfAMissingFileOrUnknownFolderIsRefused()
    {
        Assert.Equal(0, (await Run("domain", "add", "local.example")).ExitCode);
        Assert.Equal(0, (await WebmailExecutable.RunAsync(_data.Path, "pw for cli 2\n", "account", "add", "cli2@local.example")).ExitCode);

        var missing = await Run("import", "maildir", "cli2@local.example", _data.File("nowhere"));
        var folder = await Run("export", "cli2@local.example", _data.File("x.zip"), "--folder", "Nope");
        var usage = await Run("import", "tar", "cli2@local.example");

        Assert.Equal((1, $"error: {_data.File("nowhere")} does not exist."), (missing.ExitCode, missing.StderrLines.Single()));
        Assert.Equal((1, "error: The account has no folder named 'Nope'."), (folder.ExitCode, folder.StderrLines.Single()));
        Assert.Equal(2, usage.ExitCode);
    }

    public void Dispose() => _data.Dispose();
}
