using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// The store's read connections: one caller at a time on each, kept for the next reader only when clean.
/// (Microsoft.Data.Sqlite's pool could hand one connection to two callers at once; see <see cref="SqliteDatabase"/>.)
/// </summary>
public sealed class ReadConnectionTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("webmail-readers");
    private SqliteDatabase _database = null!;

    public Task InitializeAsync()
    {
        _database = new SqliteDatabase(_directory.File("webmail.db"), NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    private Task<SqliteConnection> ReadAsync(Action<SqliteConnection>? also = null) =>
        _database.ReadAsync((connection, _) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM domains";
            command.ExecuteScalar();
            also?.Invoke(connection);
            return Task.FromResult(connection);
        }, default);

    [Fact]
    public async Task AReadConnectionIsKeptForTheNextReader()
    {
        var first = await ReadAsync();
        var second = await ReadAsync();

        Assert.Same(first, second);
        Assert.Equal(1, _database.IdleReadConnections);
    }

    [Fact]
    public async Task ConcurrentReadersNeverShareAConnectionAndAtMostTheCapStaysIdle()
    {
        var inUse = new ConcurrentDictionary<SqliteConnection, bool>();
        var shared = 0;
        var start = new TaskCompletionSource();
        var readers = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < 50; i++)
            {
                await _database.ReadAsync(async (connection, _) =>
                {
                    if (!inUse.TryAdd(connection, true))
                        Interlocked.Increment(ref shared);
                    using var command = connection.CreateCommand();
                    command.CommandText = "SELECT count(*) FROM accounts";
                    command.ExecuteScalar();
                    await Task.Yield();
                    inUse.TryRemove(connection, out bool _);
                    return 0;
                }, default);
            }
        })).ToList();
        start.SetResult();
        await Task.WhenAll(readers);

        Assert.Equal(0, shared);
        Assert.InRange(_database.IdleReadConnections, 1, SqliteDatabase.MaxIdleReaders);
    }

    [Fact]
    public async Task AConnectionLeftInATransactionIsClosedNotReusedSoNoReaderSeesAnOldSnapshot()
    {
        var left = await ReadAsync(connection =>
        {
            connection.BeginTransaction(deferred: true);
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT count(*) FROM domains"; // the snapshot starts here
            read.ExecuteScalar();
        });
        await _database.Writer.ExecuteAsync(context => context.Command("INSERT INTO domains (name, created_at) VALUES ('late.example', 0)").ExecuteNonQuery(), default);

        var next = await _database.ReadAsync((connection, _) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM domains WHERE name = 'late.example'";
            return Task.FromResult((connection, (long)command.ExecuteScalar()!));
        }, default);

        Assert.NotSame(left, next.connection);
        Assert.Equal(System.Data.ConnectionState.Closed, left.State);
        Assert.Equal(1L, next.Item2);
    }

    [Fact]
    public async Task AReadThatFailsClosesItsConnection()
    {
        SqliteConnection? failed = null;
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _database.ReadAsync<int>((connection, _) =>
        {
            failed = connection;
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM no_such_table";
            command.ExecuteScalar();
            return Task.FromResult(0);
        }, default));

        Assert.Equal(System.Data.ConnectionState.Closed, failed!.State);
        Assert.NotSame(failed, await ReadAsync());
    }
}
