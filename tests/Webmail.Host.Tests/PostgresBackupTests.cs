using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Hosting;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// <c>Webmail backup|restore</c> and the scheduled backups when the store is PostgreSQL: a <c>pg_dump</c> archive,
/// restored with <c>pg_restore</c> into an empty database only.
/// </summary>
public sealed class PostgresBackupTests
{
    [Fact]
    public async Task BackupMakesAPgDumpArchiveThatRestoresIntoAnEmptyDatabaseOnly()
    {
        using var data = new TempDirectory("webmail-pg-backup");
        var source = PostgresCluster.CreateDatabase();
        var empty = PostgresCluster.CreateEmptyDatabase();
        var file = Path.Combine(data.Path, "store.dump");
        try
        {
            await using (var store = new TestStoreAt(data.Path, Provider(source)))
            {
                var account = await store.CreateAccountAsync("kept@local.example", "kept password");
                for (var i = 0; i < 3; i++)
                    await store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(to: "kept@local.example", subject: $"Kept {i}"), [new MailboxDelivery(account.Id, SpecialFolder.Inbox)]), default);
            }

            var backup = await WebmailExecutable.RunAsync(data.Path, null, ["backup", file, .. Settings(source)]);
            var refused = await WebmailExecutable.RunAsync(data.Path, null, ["restore", file, .. Settings(source)]);
            var restore = await WebmailExecutable.RunAsync(data.Path, null, ["restore", file, .. Settings(empty)]);

            Assert.True(backup.ExitCode == 0, backup.Stderr);
            Assert.Matches(@"^backup .*store\.dump: pg_dump archive, read back by pg_restore --list, \d+ tables, ", backup.StdoutLines[^1]);
            Assert.False(File.Exists(file + ".partial"));
            Assert.Equal("PGDMP"u8.ToArray(), File.ReadAllBytes(file)[..5]);
            Assert.Equal(1, refused.ExitCode);
            Assert.StartsWith("error: The PostgreSQL database ", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains(" is not empty; restore only into a new, empty database", refused.Stderr, StringComparison.Ordinal);
            Assert.True(restore.ExitCode == 0, restore.Stderr);
            Assert.Matches(@"^restored .*store\.dump into the PostgreSQL database: schema \d+, 1 accounts, 3 messages$", restore.StdoutLines[^1]);
            Assert.Equal(await FingerprintAsync(source), await FingerprintAsync(empty));

            // The restored database is a working store: the server's own migrations find it current.
            await using var restored = new TestStoreAt(data.Path + "-restored", Provider(empty));
            var kept = (await restored.Directory.FindAccountAsync("kept@local.example", default))!;
            Assert.Equal(3, (await restored.Messages.GetFoldersAsync(kept.Id, default)).Single(f => f.SpecialUse == SpecialFolder.Inbox).MessageCount);
        }
        finally
        {
            PostgresCluster.DropDatabase(source);
            PostgresCluster.DropDatabase(empty);
            if (Directory.Exists(data.Path + "-restored"))
                Directory.Delete(data.Path + "-restored", recursive: true);
        }
    }

    [Fact]
    public async Task ScheduledBackupsOfAPostgreSqlStoreArePgDumpArchives()
    {
        using var backups = new TempDirectory("webmail-pg-backups");
        var database = PostgresCluster.CreateDatabase();
        try
        {
            var settings = Provider(database);
            settings["Webmail:Backup:Directory"] = backups.Path;
            await using (var server = await TestServer.StartAsync(settings))
            {
                await server.CreateAccountAsync("scheduled@local.example");
                var made = await server.Services.GetRequiredService<ScheduledBackups>().RunOnceAsync(default);

                Assert.Matches(@"webmail-\d{8}-\d{6}\.dump$", made);
                Assert.Equal([made], Directory.GetFiles(backups.Path));
                Assert.Equal("PGDMP"u8.ToArray(), File.ReadAllBytes(made)[..5]);
            }
        }
        finally
        {
            PostgresCluster.DropDatabase(database);
        }
    }

    private static Dictionary<string, string?> Provider(string connectionString) =>
        new() { ["Webmail:Store:Provider"] = "postgres", ["Webmail:Store:ConnectionString"] = connectionString };

    private static string[] Settings(string connectionString) =>
        ["--Webmail:Store:Provider=postgres", $"--Webmail:Store:ConnectionString={connectionString}"];

    /// <summary>Accounts with their password hashes, and every message's UID, flags, MODSEQ and bytes.</summary>
    private static async Task<string> FingerprintAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT string_agg(address || password_hash, ',' ORDER BY id) FROM accounts) || " +
            "(SELECT string_agg(m.uid || ':' || m.flags || ':' || m.modseq || ':' || md5(r.raw), ',' ORDER BY m.id) FROM messages m JOIN message_raw r ON r.message_id = m.id)", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
