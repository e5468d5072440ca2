using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// The writer's units: one that fails leaves nothing of itself, alone in its transaction (no savepoint, the transaction
/// is rolled back) or among others (its savepoint is), and the others commit.
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
