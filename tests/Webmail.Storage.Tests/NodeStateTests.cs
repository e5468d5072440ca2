using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;
using Webmail.Storage.Postgres;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>What the nodes on one store share besides mail (issue 19): login bans and node locks, on both providers.</summary>
public abstract class NodeStateTests(StoreProvider provider) : IAsyncLifetime
{
    protected readonly TestStore Store = new(provider);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task ABanIsKeptUntilItsLatestEndAndForgottenAfter()
    {
        var bans = Store.Services.GetRequiredService<ILoginBanStore>();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await bans.SaveBanAsync("ip:192.0.2.7", now.AddHours(1), default);
        await bans.SaveBanAsync("ip:192.0.2.7", now.AddMinutes(5), default); // an earlier end does not shorten it
        await bans.SaveBanAsync("acct:ann@a.example", now.AddMinutes(-1), default); // already over

        Assert.Equal([("ip:192.0.2.7", now.AddHours(1))], await bans.ActiveBansAsync(now, default));
        Assert.Empty(await bans.ActiveBansAsync(now.AddHours(2), default));
    }

    [Fact]
    public async Task ANodeLockIsHeldUntilItsHandleIsDisposed()
    {
        var locks = Store.Services.GetRequiredService<INodeLocks>();
        var first = await locks.TryAcquireAsync(NodeLock.Maildrop(42), default);
        Assert.NotNull(first);
        Assert.Null(await locks.TryAcquireAsync(NodeLock.Maildrop(42), default));
        var other = await locks.TryAcquireAsync(NodeLock.Maildrop(43), default);
        Assert.NotNull(other);

        await first.DisposeAsync();
        var again = await locks.TryAcquireAsync(NodeLock.Maildrop(42), default);
        Assert.NotNull(again);
        await again.DisposeAsync();
        await other.DisposeAsync();
    }
}

public sealed class NodeStateTestsOnSqlite() : NodeStateTests(StoreProvider.Sqlite);

public sealed class NodeStateTestsOnPostgres() : NodeStateTests(StoreProvider.Postgres)
{
    [Fact]
    public async Task AnotherNodesLockIsRefusedUntilThatNodesConnectionCloses()
    {
        var mine = Store.Services.GetRequiredService<INodeLocks>();
        var otherNode = ActivatorUtilities.CreateInstance<PostgresNodeLocks>(Store.Services);
        var held = await otherNode.TryAcquireAsync(NodeLock.Maildrop(7), default);
        Assert.NotNull(held);

        Assert.Null(await mine.TryAcquireAsync(NodeLock.Maildrop(7), default));

        await otherNode.DisposeAsync(); // its connection closes, as when its process is killed
        // PostgreSQL frees a session's advisory locks when its backend sees the socket close, a moment after the
        // client closed it: the lock comes free then, not at once.
        IAsyncDisposable? taken = null;
        for (var until = DateTime.UtcNow.AddSeconds(10); taken is null && DateTime.UtcNow < until; await Task.Delay(20))
            taken = await mine.TryAcquireAsync(NodeLock.Maildrop(7), default);
        Assert.NotNull(taken);
        await taken.DisposeAsync();
    }

    [Fact]
    public void DataProtectionKeysAreKeptInTheOrderMadeAndNeverOverwritten()
    {
        var keys = Store.Services.GetRequiredService<IDataProtectionKeyStore>();
        keys.SaveKey("key-a", "<key id=\"a\"/>");
        keys.SaveKey("key-b", "<key id=\"b\"/>");
        keys.SaveKey("key-a", "<key id=\"other\"/>");

        Assert.Equal(["<key id=\"a\"/>", "<key id=\"b\"/>"], keys.GetAllKeys());
    }
}
