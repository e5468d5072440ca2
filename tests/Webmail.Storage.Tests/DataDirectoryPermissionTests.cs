using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>Issue 15, part 8: a data directory left world-readable (an older version, a copy, a restore) is tightened at start.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes are the subject.
public sealed class DataDirectoryPermissionTests
{
    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Rwx = Rw | UnixFileMode.UserExecute;
    private const UnixFileMode WorldReadableFile = Rw | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode WorldReadableDirectory = Rwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    [Fact]
    public async Task WorldReadableDataFilesAreTightenedAtStartAndLoggedInOneLine()
    {
        using var temp = new TempDirectory("webmail-tighten");
        var data = temp.Path;
        // As an older version left it: the database 0644 (SQLite's default), keys 0755 with a 0644 key.
        await using (var first = new SqliteDatabase(Path.Combine(data, "webmail.db"), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance))
        {
        }
        File.SetUnixFileMode(data, WorldReadableDirectory);
        File.SetUnixFileMode(Path.Combine(data, "webmail.db"), WorldReadableFile);
        Directory.CreateDirectory(Path.Combine(data, "keys"));
        File.SetUnixFileMode(Path.Combine(data, "keys"), WorldReadableDirectory);
        File.WriteAllText(Path.Combine(data, "keys", "key-1.xml"), "<key/>");
        File.SetUnixFileMode(Path.Combine(data, "keys", "key-1.xml"), WorldReadableFile);
        File.WriteAllBytes(Path.Combine(data, "tls-selfsigned.pfx"), [1, 2, 3]);
        File.SetUnixFileMode(Path.Combine(data, "tls-selfsigned.pfx"), WorldReadableFile);

        var log = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log));
        await using (var database = new SqliteDatabase(new DataPaths(data), loggers, new StoreWriteHealth(), TimeProvider.System))
        {
            Assert.Equal(Rwx, File.GetUnixFileMode(data));
            Assert.Equal(Rw, File.GetUnixFileMode(Path.Combine(data, "webmail.db")));
            Assert.Equal(Rwx, File.GetUnixFileMode(Path.Combine(data, "keys")));
            Assert.Equal(Rw, File.GetUnixFileMode(Path.Combine(data, "keys", "key-1.xml")));
            Assert.Equal(Rw, File.GetUnixFileMode(Path.Combine(data, "tls-selfsigned.pfx")));
        }

        var line = Assert.Single(log.Messages, m => m.Contains("permissions tightened", StringComparison.Ordinal));
        Assert.Contains("webmail.db 0644→0600", line);
        Assert.Contains("keys 0755→0700", line);
        Assert.Contains(Path.Combine("keys", "key-1.xml") + " 0644→0600", line);
        Assert.Contains("tls-selfsigned.pfx 0644→0600", line);
    }

    [Fact]
    public async Task ANewDatabaseAndItsWalAreOwnerOnly()
    {
        using var temp = new TempDirectory("webmail-newdb");
        var data = Path.Combine(temp.Path, "data");
        await using var database = new SqliteDatabase(new DataPaths(data), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, new StoreWriteHealth(), TimeProvider.System);
        await database.Writer.ExecuteAsync(context => context.Command("INSERT INTO server_settings (key, value) VALUES ('k', 'v')").ExecuteNonQuery(), default);

        Assert.Equal(Rwx, File.GetUnixFileMode(data));
        foreach (var file in new[] { "webmail.db", "webmail.db-wal", "webmail.db-shm", DiskSpaceGuard.ReserveFileName })
            Assert.Equal(Rw, File.GetUnixFileMode(Path.Combine(data, file)));
    }
}
