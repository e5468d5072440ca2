using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task AnEmptyFileIsMigratedToTheLatestVersion()
    {
        using var dir = new TempDirectory();
        await using var database = new SqliteDatabase(dir.File("webmail.db"), NullLoggerFactory.Instance);

        using var connection = database.OpenConnection();
        Assert.Equal(Migrator.LatestVersion, Migrator.GetVersion(connection));
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal(1L, Scalar(connection, "PRAGMA foreign_keys"));
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
    }

    public static TheoryData<int> EarlierVersions()
    {
        var data = new TheoryData<int>();
        for (var v = 1; v < Migrator.LatestVersion; v++)
            data.Add(v);
        return data;
    }

    [Theory]
    [MemberData(nameof(EarlierVersions))]
    public async Task EachEarlierVersionIsMigratedForwardKeepingItsData(int version)
    {
        using var dir = new TempDirectory();
        var path = dir.File("webmail.db");
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Migrator.Migrate(connection, NullLogger.Instance, targetVersion: version);
        using (var check = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            check.Open();
            Assert.Equal(version, Migrator.GetVersion(check));
            using var insert = check.CreateCommand();
            insert.CommandText = "INSERT INTO domains (name, created_at) VALUES ('kept.example', 0)";
            insert.ExecuteNonQuery();
        }

        await using var database = new SqliteDatabase(path, NullLoggerFactory.Instance);

        using var reopened = database.OpenConnection();
        Assert.Equal(Migrator.LatestVersion, Migrator.GetVersion(reopened));
        Assert.Equal("kept.example", Scalar(reopened, "SELECT name FROM domains"));
    }

    [Fact]
    public void AFileFromANewerBuildIsRefused()
    {
        using var dir = new TempDirectory();
        var path = dir.File("webmail.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {Migrator.LatestVersion + 1}";
            command.ExecuteNonQuery();
        }

        Assert.Throws<InvalidOperationException>(() => new SqliteDatabase(path, NullLoggerFactory.Instance));
    }

    [Fact]
    public void MigrationsAreNumberedWithoutGaps() =>
        Assert.Equal(Enumerable.Range(1, Migrator.LatestVersion), Migrator.Migrations.Select(m => m.Version));

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
