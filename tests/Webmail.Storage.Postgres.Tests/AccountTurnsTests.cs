using Npgsql;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Storage.Postgres.Tests;

/// <summary>
/// Appends to one account take turns in the process (<see cref="AccountTurns"/>), so they never queue inside
/// PostgreSQL on the account's row lock, each holding a connection; appends to other accounts do not wait for them.
/// </summary>
public sealed class AccountTurnsTests : IAsyncLifetime
{
    private readonly TestStore _store = new(StoreProvider.Postgres);
    private long _account;
    private long _inbox;

    public async Task InitializeAsync()
    {
        _account = await AccountRows.CreateAsync(ConnectionString, "turns@local.example");
        _inbox = (await _store.Messages.GetSpecialFolderAsync(_account, SpecialFolder.Inbox, default)).Id;
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private string ConnectionString => _store.PostgresConnectionString!;

    [Fact]
    public async Task ThirtyTwoAppendsAtOnceToOneAccountNeverWaitOnItsRowLock()
    {
        const int appends = 400;
        var next = 0;
        var writers = Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= appends)
                await _store.Messages.AppendAsync(_account, _inbox, TestMessages.Simple(subject: "At once"), MessageFlags.None);
        })).ToList();
        var all = Task.WhenAll(writers);

        // Every few milliseconds while they run: how many of the database's backends wait for a lock.
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        var samples = 0;
        long most = 0;
        while (!all.IsCompleted)
        {
            most = Math.Max(most, (long)(await waiting.ExecuteScalarAsync())!);
            samples++;
            await Task.Delay(2);
        }
        await all;

        Assert.True(samples > 10, $"only {samples} samples");
        Assert.Equal(0, most);
        Assert.Equal(appends, (await _store.Messages.GetSpecialFolderAsync(_account, SpecialFolder.Inbox, default)).MessageCount);
    }
}

/// <summary><see cref="AccountTurns"/> alone: one holder per account, and a waiter that gives up leaves no trace.</summary>
public sealed class AccountTurnsUnitTests
{
    [Fact]
    public async Task ATurnIsOneAccountsAndAWaiterThatGivesUpLeavesNoTrace()
    {
        var turns = new AccountTurns();
        var first = await turns.TakeAsync(1, default);
        // Another account's turn is free.
        (await turns.TakeAsync(2, default)).Dispose();

        var waiting = turns.TakeAsync(1, default).AsTask();
        using var impatient = new CancellationTokenSource();
        var givingUp = turns.TakeAsync(1, impatient.Token).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        impatient.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givingUp);

        first.Dispose();
        first.Dispose(); // a second dispose ends nothing more
        var second = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        var third = turns.TakeAsync(1, default).AsTask();
        await Task.Delay(50);
        Assert.False(third.IsCompleted);
        second.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        (await turns.TakeAsync(1, default).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }
}
