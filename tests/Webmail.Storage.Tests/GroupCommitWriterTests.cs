using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// The writer's units: one that fails leaves nothing of itself, alone in its transaction (no savepoint, the transaction
/// is rolled back) or among others (its savepoint is), and the others commit. And the writer's page cache.
/// </summary>
public sealed class GroupCommitWriterTests : IAsyncLifetime
{
    private readonly TestStore _store = new();
    private SqliteDatabase _database = null!;

    public Task InitializeAsync()
    {
        _database = _store.Database;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private Task<int> WriteAsync(string key, bool fail) => _database.Writer.ExecuteAsync(context =>
    {
        var written = context.Command("INSERT INTO server_settings (key, value) VALUES ($k, 'v')").With("$k", key).ExecuteNonQuery();
        return fail ? throw new InvalidOperationException("refused: " + key) : written;
    }, default);

    private Task<List<string>> KeysAsync() =>
        _database.QueryAsync("SELECT key FROM server_settings WHERE key LIKE 'unit-%' ORDER BY key", reader => reader.GetString(0), default);

    [Fact]
    public async Task TheWritersPageCacheIsSmallUntilTheDatabaseIsOneGibibyte()
    {
        // A new store: 16 MB, in SQLite's own setting too.
        Assert.Equal(GroupCommitWriter.SmallCacheKib, _database.Writer.CacheKib);
        Assert.Equal(-GroupCommitWriter.SmallCacheKib, await _database.Writer.ExecuteAsync(context => Convert.ToInt32(context.Command("PRAGMA cache_size").ExecuteScalar()), default));

        // A database of 1 GiB and one page, without writing it: the header says 262,145 pages and the file is extended
        // with a hole. The writer opened over it takes the large cache.
        using var directory = new TempDirectory("webmail-writer-cache");
        var path = Path.Combine(directory.Path, "large.db");
        using (var seed = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            seed.Open();
            using var create = seed.CreateCommand();
            create.CommandText = "CREATE TABLE seed (a)";
            create.ExecuteNonQuery();
        }
        const int pages = (int)(GroupCommitWriter.LargeDatabaseBytes / 4096) + 1;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 28; // the header's database size in pages, valid while the change counters agree
            var size = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(size, pages);
            file.Write(size);
            file.SetLength((long)pages * 4096);
        }
        await using var large = new SqliteDatabase(path, NullLoggerFactory.Instance);
        Assert.Equal(GroupCommitWriter.LargeCacheKib, large.Writer.CacheKib);
        Assert.Equal(-GroupCommitWriter.LargeCacheKib, await large.Writer.ExecuteAsync(context => Convert.ToInt32(context.Command("PRAGMA cache_size").ExecuteScalar()), default));
    }

    [Fact]
    public async Task AUnitAloneThatFailsLeavesNothingAndCommitsNothing()
    {
        var commits = _database.Writer.Commits;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync("unit-alone", fail: true));

        Assert.Equal("refused: unit-alone", error.Message);
        Assert.Empty(await KeysAsync());
        Assert.Equal(commits, _database.Writer.Commits);
        Assert.Equal(1, await WriteAsync("unit-after", fail: false));
        Assert.Equal(["unit-after"], await KeysAsync());
        Assert.Equal(commits + 1, _database.Writer.Commits);
    }

    [Fact]
    public async Task UnitsThatFailAmongOthersLeaveNothingAndTheOthersCommit()
    {
        // Queued at once, so most share a transaction; whichever way they are grouped, the outcome is the same.
        var writes = Enumerable.Range(0, 40).Select(i => (Key: $"unit-{i:D2}", Fail: i % 3 == 0, Task: WriteAsync($"unit-{i:D2}", fail: i % 3 == 0))).ToList();
        foreach (var write in writes)
        {
            if (write.Fail)
                await Assert.ThrowsAsync<InvalidOperationException>(() => write.Task);
            else
                Assert.Equal(1, await write.Task);
        }

        Assert.Equal(writes.Where(w => !w.Fail).Select(w => w.Key).ToList(), await KeysAsync());
    }
}
