using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Filters;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// What delivery reads of an account on every message, kept between messages (<see cref="AccountCache{T}"/>): a
/// change through the owning service applies to the next read, one made behind its back (another process on the
/// same store, such as the CLI) once the kept value is no longer fresh, and a read that overlapped a change is
/// never kept.
/// </summary>
public abstract class AccountCacheTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    protected AccountCacheTests(StoreProvider provider) => Store = new TestStore(provider, time: _clock);

    private TestStore Store { get; }

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task SenderListsAreKeptWhileFreshAndAChangeThroughTheServiceAppliesAtOnce()
    {
        var lucy = await Store.CreateAccountAsync("lucy@a.example");
        var lists = Store.Services.GetRequiredService<SenderListService>();
        var friend = await lists.AddAsync(lucy.Id, SenderListKind.Allow, "friend@example.com", default);
        Assert.Equal(["friend@example.com"], (await lists.ListAsync(lucy.Id, default)).Select(e => e.Pattern));

        // Written behind the service's back, as another process on the same store would: not seen while the kept list is fresh.
        await Store.Services.GetRequiredService<ISenderListStore>().PutSenderEntryAsync(lucy.Id, SenderListKind.Block, "spam.example", SenderListService.MaxEntries, default);
        Assert.Equal(["friend@example.com"], (await lists.ListAsync(lucy.Id, default)).Select(e => e.Pattern));
        _clock.Advance(AccountCache<object>.Fresh);
        Assert.Equal(["friend@example.com", "spam.example"], (await lists.ListAsync(lucy.Id, default)).Select(e => e.Pattern));

        // Through the service: the next read has it, with no time passing.
        await lists.RemoveAsync(lucy.Id, friend.Id, default);
        Assert.Equal(["spam.example"], (await lists.ListAsync(lucy.Id, default)).Select(e => e.Pattern));
    }

    [Fact]
    public async Task TheActiveSieveScriptIsKeptWhileFreshAndAChangeThroughTheServiceAppliesAtOnce()
    {
        var lucy = await Store.CreateAccountAsync("lucy@a.example");
        var scripts = Store.Services.GetRequiredService<SieveScriptService>();
        Assert.True((await scripts.PutAsync(lucy.Id, lucy.Address, "rules", "keep;", default)).Succeeded);
        Assert.Null(await scripts.GetActiveAsync(lucy.Id, default));

        Assert.True((await scripts.ActivateAsync(lucy.Id, lucy.Address, "rules", default)).Succeeded);
        Assert.Equal("rules", (await scripts.GetActiveAsync(lucy.Id, default))?.Name);
        Assert.True((await scripts.RenameAsync(lucy.Id, lucy.Address, "rules", "mine", default)).Succeeded);
        Assert.Equal("mine", (await scripts.GetActiveAsync(lucy.Id, default))?.Name);

        await Store.Services.GetRequiredService<ISieveScriptStore>().SetActiveSieveScriptAsync(lucy.Id, null, new AuditRecord("cli", "sieve.activate", "lucy", "(none)"), default);
        Assert.Equal("mine", (await scripts.GetActiveAsync(lucy.Id, default))?.Name);
        _clock.Advance(AccountCache<object>.Fresh);
        Assert.Null(await scripts.GetActiveAsync(lucy.Id, default));
    }

    [Fact]
    public async Task AReadThatOverlappedAChangeIsNotKept()
    {
        using var cache = new AccountCache<string>("test", new SingleNodeSignals(), _clock);
        var slowRead = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var overlapping = cache.GetAsync(7, _ => slowRead.Task, default);

        // The read began before the change committed, so what it returns may be the old value.
        cache.Changed(7);
        slowRead.SetResult("before the change");
        Assert.Equal("before the change", await overlapping);

        Assert.Equal("after the change", await cache.GetAsync(7, _ => Task.FromResult("after the change"), default));
        Assert.Equal("after the change", await cache.GetAsync(7, _ => Task.FromResult("read again"), default));
    }
}

public sealed class AccountCacheTestsOnSqlite() : AccountCacheTests(StoreProvider.Sqlite);
public sealed class AccountCacheTestsOnPostgres() : AccountCacheTests(StoreProvider.Postgres);
