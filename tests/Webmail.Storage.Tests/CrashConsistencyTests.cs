using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

public sealed class CrashConsistencyTests
{
    /// <summary>
    /// A child process appends from 16 tasks and prints each id once its commit returned; we
    /// SIGKILL it mid-stream. Every acknowledged id must be there, and the file must be consistent.
    /// </summary>
    [Fact]
    public async Task KillDuringAppendsLosesNoAcknowledgedMessageAndLeavesAConsistentFile()
    {
        using var dir = new TempDirectory("webmail-crash");
        var writer = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "Webmail.Storage.CrashWriter", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Webmail.Storage.CrashWriter.dll");
        Assert.True(File.Exists(writer), $"crash writer not built at {writer}");

        for (var round = 0; round < 2; round++)
        {
            var ackFile = dir.File($"acknowledged-{round}.txt");
            using var process = Process.Start(new ProcessStartInfo("dotnet", [writer, dir.Path, ackFile]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var target = 150 + Random.Shared.Next(200);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (AcknowledgedCount(ackFile) < target && !process.HasExited && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            if (process.HasExited)
                Assert.Fail("writer stopped early: " + await process.StandardError.ReadToEndAsync());
            process.Kill();
            await process.WaitForExitAsync();
            var acknowledged = File.ReadAllLines(ackFile).Where(l => l.Length > 0).Select(long.Parse).ToList();
            Assert.True(acknowledged.Count >= target, $"only {acknowledged.Count} appends acknowledged in time");

            using (var connection = new SqliteConnection($"Data Source={dir.File("webmail.db")};Pooling=False"))
            {
                connection.Open();
                Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
                var present = new HashSet<long>();
                using (var ids = connection.CreateCommand())
                {
                    ids.CommandText = "SELECT m.id FROM messages m JOIN message_raw r ON r.message_id = m.id";
                    using var reader = ids.ExecuteReader();
                    while (reader.Read())
                        present.Add(reader.GetInt64(0));
                }
                Assert.All(acknowledged, id => Assert.Contains(id, present));
                // Trigger-kept counters agree with the rows after the crash.
                Assert.Equal(Scalar(connection, "SELECT count(*) FROM messages"), Scalar(connection, "SELECT sum(message_count) FROM folders"));
                Assert.Equal(Scalar(connection, "SELECT ifnull(sum(size),0) FROM messages"), Scalar(connection, "SELECT sum(used_bytes) FROM accounts"));
                Assert.Equal(Scalar(connection, "SELECT count(*) FROM messages"), Scalar(connection, "SELECT count(*) FROM message_raw"));
            }
            // The store opens again and keeps working after the crash.
            await using var reopened = new TestStoreAt(dir.Path);
            var account = await reopened.EnsureAccountAsync();
            var inbox = await reopened.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
            await reopened.Messages.AppendAsync(account.Id, inbox.Id, TestMessages.Simple(), MessageFlags.None);
        }
    }

    private static int AcknowledgedCount(string path)
    {
        if (!File.Exists(path))
            return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var count = 0;
        for (var b = stream.ReadByte(); b >= 0; b = stream.ReadByte())
            count += b == '\n' ? 1 : 0;
        return count;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
