using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// Two nodes work one outbound queue (issue 19, several nodes): each entry is claimed by one node at a time
/// (<c>FOR UPDATE SKIP LOCKED</c> with a lease), so the remote receives it once; the lease is renewed while a
/// delivery runs long, and a node killed mid-delivery gives its claim up when the lease runs out.
/// </summary>
public sealed class QueueAcrossNodesTests
{
    private const string Recipient = "rita@remote.example";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private static Dictionary<string, string> Settings(SinkSmtpServer sink) => new()
    {
        ["Webmail:Delivery:Routes:remote.example"] = sink.Endpoint,
        ["Webmail:Delivery:PollInterval"] = "00:00:00.300",
        ["Webmail:Delivery:RetrySchedule:0"] = "00:00:01",
        ["Webmail:Delivery:ClaimLease"] = Lease.ToString(),
        ["Webmail:Delivery:CommandTimeout"] = "00:05:00",
    };

    [Fact]
    public async Task TwoNodesWorkingOneQueueDeliverEachEntryOnce()
    {
        await using var sink = new SinkSmtpServer(maxReplyDelayMs: 20);
        await using var nodes = await Harness.Nodes.StartAsync(2, Settings(sink));
        var ids = Enumerable.Range(0, 100).Select(i => $"q{i}@queue.test").ToList();

        await EnqueueAsync(nodes, ids);

        await WaitForAsync(() => sink.Received.Count == ids.Count && QueueLength(nodes) == 0, TimeSpan.FromSeconds(90), () => $"{sink.Received.Count} of {ids.Count} received");
        Assert.Equal(ids.Order(), sink.Received.Keys.Select(k => k.MessageId).Order());
        Assert.All(sink.Received, r => Assert.True(r.Value == 1, $"{r.Key.MessageId} received {r.Value} times"));
        Assert.Equal(ids.Count, sink.Transactions);
    }

    [Fact]
    public async Task ADeliveryThatRunsLongKeepsItsClaimAndANodeKilledMidDeliveryGivesItUpAfterTheLease()
    {
        await using var sink = new SinkSmtpServer();
        await using var nodes = await Harness.Nodes.StartAsync(2, Settings(sink));
        const string id = "stalled@queue.test";
        var stalled = sink.StallNext(id);

        await EnqueueAsync(nodes, [id]);
        await stalled.WaitAsync(TimeSpan.FromSeconds(30));
        var holder = HolderOf(nodes);

        // Twice the lease: the holder renews its claim while the remote keeps it waiting, so the other node leaves it alone.
        await Task.Delay(Lease * 2);
        Assert.Empty(sink.Received);
        Assert.Equal(nodes[holder].ProcessId, ClaimingProcess(nodes));

        var killed = Stopwatch.StartNew();
        await nodes[holder].KillAsync();
        await WaitForAsync(() => sink.Received.Count == 1 && QueueLength(nodes) == 0, TimeSpan.FromSeconds(30), () => "not delivered by the other node");

        Assert.Equal(1, sink.Received[(id, Recipient)]);
        // The claim was renewed at most a third of a lease before the kill, so it held at least two thirds of one after it.
        Assert.True(killed.Elapsed >= Lease * 2 / 3 - TimeSpan.FromMilliseconds(300), $"taken over after {killed.Elapsed}, before the lease ran out");
        Assert.False(nodes[1 - holder].HasExited);
    }

    private static async Task EnqueueAsync(Harness.Nodes nodes, IReadOnlyList<string> messageIds)
    {
        using var scratch = new TempDirectory("webmail-node-queue");
        await using var store = new TestStoreAt(scratch.Path, nodes.Settings.ToDictionary(p => p.Key, p => (string?)p.Value));
        var queue = store.Services.GetRequiredService<IOutboundQueueStore>();
        foreach (var messageId in messageIds)
        {
            var raw = Encoding.ASCII.GetBytes($"From: ann@local.example\r\nTo: {Recipient}\r\nMessage-ID: <{messageId}>\r\nSubject: queued\r\n\r\nbody\r\n");
            await queue.EnqueueAsync(raw, new OutboundEnvelope("ann@local.example", [Recipient], null), default);
        }
    }

    private static long QueueLength(Harness.Nodes nodes) => Scalar<long>(nodes, "SELECT count(*) FROM outbound_queue");

    /// <summary>The process id in the claim's node name (<c>host/pid/random</c>), or 0 when nothing is claimed.</summary>
    private static int ClaimingProcess(Harness.Nodes nodes) =>
        Scalar<string?>(nodes, "SELECT claimed_by FROM outbound_queue WHERE claimed_by IS NOT NULL") is { } node ? int.Parse(node.Split('/')[1]) : 0;

    private static int HolderOf(Harness.Nodes nodes)
    {
        var pid = ClaimingProcess(nodes);
        var index = nodes.Servers.ToList().FindIndex(s => s.ProcessId == pid);
        Assert.True(index >= 0, $"no node holds the claim (process {pid})");
        return index;
    }

    private static T Scalar<T>(Harness.Nodes nodes, string sql)
    {
        using var connection = new NpgsqlConnection(nodes.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : (T)value;
    }

    private static async Task WaitForAsync(Func<bool> done, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out: {describe()}");
            await Task.Delay(100);
        }
    }
}
