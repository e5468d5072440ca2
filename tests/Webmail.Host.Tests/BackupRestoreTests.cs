using System.Collections.Concurrent;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Hosting;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary><c>Webmail backup|restore</c> against the real server process under SMTP load, and the scheduled backups.</summary>
public sealed class BackupRestoreTests
{
    private const string Address = "kept@local.example";

    [Fact]
    public async Task ABackupTakenUnderSmtpLoadHoldsEveryAcknowledgedMessageAndRestoresOnlyWithTheServerStopped()
    {
        using var data = new TempDirectory("webmail-backup");
        await using (var store = new TestStoreAt(data.Path))
            await store.CreateAccountAsync(Address, "kept password");
        var smtpPort = FreePort.Next();
        var backupFile = Path.Combine(data.Path, "..", Path.GetFileName(data.Path) + "-backup.db");
        var acknowledged = new ConcurrentQueue<string>();
        CliResult backup;
        string[] beforeBackup, afterBackup;
        await using (var server = await ServerProcess.StartAsync(data.Path, $"--Webmail:Smtp:Inbound:Endpoint=127.0.0.1:{smtpPort}"))
        {
            using var stop = new CancellationTokenSource();
            var next = 0;
            var senders = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                using var smtp = new SmtpClient();
                await smtp.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
                while (!stop.IsCancellationRequested)
                {
                    var id = $"load-{Interlocked.Increment(ref next)}@backup.example";
                    await smtp.SendAsync(MimeKit.MimeMessage.Load(new MemoryStream(TestMessages.Simple(to: Address, messageId: id, body: new string('x', 2000)))));
                    acknowledged.Enqueue(id);
                }
                await smtp.DisconnectAsync(true);
            })).ToArray();
            while (acknowledged.Count < 200)
                await Task.Delay(50);

            // Everything answered 250 before the backup starts must be in it; the load goes on meanwhile.
            beforeBackup = [.. acknowledged];
            backup = await WebmailExecutable.RunAsync(data.Path, null, "backup", backupFile);
            var countAtEnd = acknowledged.Count;
            while (acknowledged.Count < countAtEnd + 20)
                await Task.Delay(50);
            afterBackup = acknowledged.Skip(countAtEnd).ToArray();

            var refused = await WebmailExecutable.RunAsync(data.Path, null, "restore", backupFile);
            Assert.Equal(1, refused.ExitCode);
            Assert.StartsWith($"error: Another Webmail server is using {data.Path}", refused.Stderr, StringComparison.Ordinal);
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        Assert.True(backup.ExitCode == 0, backup.Stderr);
        Assert.Equal(["backup: 0%", "backup: 100%"], new[] { backup.StdoutLines[0], backup.StdoutLines[^2] });
        Assert.Matches($@"^backup .*-backup\.db: integrity ok, schema \d+, 1 accounts, \d+ messages, ", backup.StdoutLines[^1]);

        var restore = await WebmailExecutable.RunAsync(data.Path, null, "restore", backupFile);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        Assert.Matches(@"^restored .*: schema \d+, 1 accounts, \d+ messages; the store it replaced is kept as .*webmail\.db\.before-restore-\d{8}-\d{6}$", restore.StdoutLines[^1]);
        Assert.True(StoreBackup.Check(Path.Combine(data.Path, "webmail.db")).Intact);

        var restored = MessageIds(Path.Combine(data.Path, "webmail.db"));
        Assert.All(beforeBackup, id => Assert.Contains(id, restored));
        // Mail acknowledged after the backup finished is not in the restored store: it is the backup.
        Assert.All(afterBackup, id => Assert.DoesNotContain(id, restored));
        // ...and it is in the store the restore kept aside.
        var kept = Directory.GetFiles(data.Path, "webmail.db.before-restore-*").Single();
        var keptIds = MessageIds(kept);
        Assert.All(acknowledged, id => Assert.Contains(id, keptIds));
    }

    [Fact]
    public async Task ASecondServerOnTheSameDataDirectoryIsRefused()
    {
        using var data = new TempDirectory("webmail-lock");
        await using var first = await ServerProcess.StartAsync(data.Path);
        var second = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(data.Path));
        Assert.Contains($"Another Webmail server is using {data.Path}", second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScheduledBackupsKeepTheNewestAndEachIsChecked()
    {
        using var backups = new TempDirectory("webmail-backups");
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Backup:Directory"] = backups.Path, ["Webmail:Backup:Keep"] = "2" });
        await server.CreateAccountAsync("scheduled@local.example");
        var scheduled = server.Services.GetRequiredService<ScheduledBackups>();
        var made = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            if (i > 0)
                await Task.Delay(1100); // names have one-second resolution
            made.Add(await scheduled.RunOnceAsync(default));
        }
        Assert.Equal(made.Skip(1), Directory.GetFiles(backups.Path).Order(StringComparer.Ordinal));
        Assert.All(made.Skip(1), path => Assert.Equal((true, 1L), (StoreBackup.Check(path).Intact, StoreBackup.Check(path).Accounts)));
    }

    private static HashSet<string> MessageIds(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT message_id FROM messages";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
            ids.Add(reader.GetString(0).Trim('<', '>'));
        return ids;
    }
}
