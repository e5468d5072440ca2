using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// The outbound queue's claims (issue 19, several nodes): nodes working one queue each take different due entries, a claim
/// holds until its lease runs out unless renewed, and settling or releasing an entry ends it. The same contract on both
/// providers (SQLite: one process, claims in memory; PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c> and lease columns).
/// </summary>
public abstract class QueueClaimTests(StoreProvider provider) : IAsyncLifetime
{
    private const string NodeA = "node-a";
    private const string NodeB = "node-b";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly TestStore _store = new(provider);

    private IOutboundQueueStore Queue => _store.Services.GetRequiredService<IOutboundQueueStore>();

    // Entries are due from their creation (the store's clock); claims are made a little later.
    private static DateTimeOffset Now => DateTimeOffset.UtcNow.AddSeconds(5);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<List<long>> EnqueueAsync(int domains)
    {
        var raw = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nx\r\n");
        var ids = await Queue.EnqueueAsync(raw, new OutboundEnvelope("a@local.example", Enumerable.Range(0, domains).Select(i => $"r@d{i}.example").ToList(), null), default);
        return ids.ToList();
    }

    [Fact]
    public async Task TwoNodesClaimDifferentEntriesOldestFirst()
    {
        var ids = await EnqueueAsync(5);
        var now = Now;

        var a = await Queue.ClaimDueAsync(NodeA, now, now + Lease, 3, default);
        var b = await Queue.ClaimDueAsync(NodeB, now, now + Lease, 10, default);

        Assert.Equal(ids[..3], a.Select(e => e.Id));
        Assert.Equal(ids[3..], b.Select(e => e.Id));
        Assert.Equal("d0.example", a[0].Domain);
        Assert.Equal(["r@d0.example"], a[0].Recipients);
        Assert.Empty(await Queue.ClaimDueAsync(NodeA, now, now + Lease, 10, default));
    }

    [Fact]
    public async Task AClaimEndsWhenItsLeaseRunsOutUnlessRenewed()
    {
        var ids = await EnqueueAsync(2);
        var now = Now;
        Assert.Equal(2, (await Queue.ClaimDueAsync(NodeA, now, now + Lease, 10, default)).Count);

        // Node A renews one of its two claims; node B takes the other once its lease has run out, and only it.
        Assert.Equal(1, await Queue.RenewLeasesAsync([ids[0]], NodeA, now + Lease + Lease, default));
        Assert.Empty(await Queue.ClaimDueAsync(NodeB, now + Lease - TimeSpan.FromMilliseconds(1), now + Lease + Lease, 10, default));
        var taken = await Queue.ClaimDueAsync(NodeB, now + Lease, now + Lease + Lease, 10, default);
        Assert.Equal([ids[1]], taken.Select(e => e.Id));

        // Node A no longer holds what B took: its renewal finds only the claim it still has.
        Assert.Equal(1, await Queue.RenewLeasesAsync(ids, NodeA, now + Lease + Lease, default));
        Assert.Equal(0, await Queue.RenewLeasesAsync([], NodeA, now + Lease, default));
    }

    [Fact]
    public async Task RecordingAnAttemptOrReleasingEndsTheClaim()
    {
        var ids = await EnqueueAsync(2);
        var now = Now;
        await Queue.ClaimDueAsync(NodeA, now, now + Lease, 10, default);

        await Queue.RecordAttemptAsync(ids[0], ["r@d0.example"], now, "451 later", default);
        await Queue.ReleaseAsync(ids[1], NodeB, default); // not B's claim: nothing happens
        Assert.Equal([ids[0]], (await Queue.ClaimDueAsync(NodeB, now, now + Lease, 10, default)).Select(e => e.Id));
        await Queue.ReleaseAsync(ids[1], NodeA, default);
        var released = await Queue.ClaimDueAsync(NodeB, now, now + Lease, 10, default);
        Assert.Equal([ids[1]], released.Select(e => e.Id));
        Assert.Equal(0, released[0].Attempts);
    }

    [Fact]
    public async Task OneEntryIsClaimedWhetherDueOrNotButNotFromAnotherClaim()
    {
        var ids = await EnqueueAsync(2);
        var now = Now;
        await Queue.RecordAttemptAsync(ids[0], ["r@d0.example"], now.AddHours(1), "451 later", default);
        await Queue.ClaimDueAsync(NodeA, now, now + Lease, 10, default);

        var notDue = await Queue.TryClaimAsync(ids[0], NodeB, now, now + Lease, default);
        Assert.Equal((ids[0], 1, "451 later"), (notDue!.Id, notDue.Attempts, notDue.LastError));
        Assert.Null(await Queue.TryClaimAsync(ids[0], NodeA, now, now + Lease, default));
        Assert.Null(await Queue.TryClaimAsync(ids[1], NodeB, now, now + Lease, default));
        Assert.Null(await Queue.TryClaimAsync(ids[1] + 1000, NodeB, now, now + Lease, default));

        await Queue.CompleteAsync(ids[1], null, default);
        Assert.Null(await Queue.TryClaimAsync(ids[1], NodeB, now + Lease, now + Lease + Lease, default));
        Assert.Equal(1, await Queue.CountAsync(default));
    }

    [Fact]
    public async Task NodesClaimingAtOnceNeverTakeTheSameEntry()
    {
        var ids = await EnqueueAsync(60);
        var now = Now;
        var taken = new ConcurrentBag<(string Node, long Id)>();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(n => Task.Run(async () =>
        {
            var node = $"node-{n}";
            while (await Queue.ClaimDueAsync(node, now, now + Lease, 4, default) is { Count: > 0 } claimed)
            {
                foreach (var entry in claimed)
                    taken.Add((node, entry.Id));
            }
        })));

        Assert.Equal(ids.Order(), taken.Select(t => t.Id).Order());
    }
}

public sealed class QueueClaimTestsOnSqlite() : QueueClaimTests(StoreProvider.Sqlite);
public sealed class QueueClaimTestsOnPostgres() : QueueClaimTests(StoreProvider.Postgres);
