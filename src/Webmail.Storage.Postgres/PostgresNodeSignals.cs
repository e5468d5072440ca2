using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Webmail.Core.Nodes;

namespace Webmail.Storage.Postgres;

/// <summary>
/// Signals between the nodes on one PostgreSQL database (issue 19): <c>NOTIFY webmail_nodes</c> with the payload
/// "node topic text", heard by every node's one <c>LISTEN</c> connection. PostgreSQL delivers a notification to
/// every listening session, the sender's too: a node skips its own (it told its subscribers already).
/// <list type="bullet">
/// <item>Sending never waits for the database: signals queue and one loop sends them, several per round trip. A signal
/// that cannot be sent (the server is down) is dropped and logged; the listeners' reconnect makes up for it.</item>
/// <item>Listening (the hosted service) holds one connection outside the pool. When it breaks (a PostgreSQL restart,
/// a network cut noticed by TCP keepalives) it reconnects with a backoff from 1 to 30 seconds, and then raises
/// <see cref="NodeTopics.Resync"/> on this node: whatever changed meanwhile was not heard.</item>
/// </list>
/// </summary>
public sealed class PostgresNodeSignals : BackgroundService, INodeSignals
{
    internal const string Channel = "webmail_nodes";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly PostgresDatabase _database;
    private readonly ILogger<PostgresNodeSignals> _logger;
    private readonly NodeSignalHandlers _handlers;
    private readonly Channel<string> _outgoing = System.Threading.Channels.Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Task _sender;
    private int _sendFailing;

    public PostgresNodeSignals(PostgresDatabase database, ILogger<PostgresNodeSignals> logger)
    {
        _database = database;
        _logger = logger;
        _handlers = new NodeSignalHandlers(logger);
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>This process's id in the signals it sends (new on every start).</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>True while the LISTEN connection is up (for tests and the log).</summary>
    public bool Listening { get; private set; }

    public void Send(string topic, string payload)
    {
        NodeSignalText.Check(topic, payload);
        _outgoing.Writer.TryWrite($"{NodeId} {topic} {payload}");
    }

    public IDisposable Listen(string topic, Action<string> handler) => _handlers.Add(topic, handler);

    private async Task SendLoopAsync()
    {
        var reader = _outgoing.Reader;
        var batch = new List<string>(64);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 64 && reader.TryRead(out var next))
                batch.Add(next);
            try
            {
                await using var connection = await _database.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                await using var send = new NpgsqlBatch(connection);
                foreach (var payload in batch)
                    send.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = Channel }, new() { Value = payload } } });
                await send.ExecuteNonQueryAsync().ConfigureAwait(false);
                if (Interlocked.Exchange(ref _sendFailing, 0) == 1)
                    _logger.LogInformation("Signals to the other nodes are sent again");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The change itself is committed; the other nodes resync when their LISTEN connection comes back.
                // Whatever failed (the server down, a connection broken mid-batch), the loop goes on: it is the
                // only sender.
                if (Interlocked.Exchange(ref _sendFailing, 1) == 0)
                    _logger.LogWarning(e, "Could not signal {Count} changes to the other nodes", batch.Count);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var source = _database.CreateDedicatedSource("listen");
        var retry = FirstRetry;
        var connectedBefore = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await source.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) => Receive(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                Listening = true;
                retry = FirstRetry;
                if (connectedBefore)
                {
                    _logger.LogInformation("Listening to the other nodes again; resyncing what may have been missed");
                    _handlers.Raise(NodeTopics.Resync, "");
                }
                connectedBefore = true;
                while (true)
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever broke the connection (the server restarting, the network, a connection Npgsql already
                // marked broken), the listener tries again: an exception leaving ExecuteAsync would stop the host.
                Listening = false;
                _logger.LogWarning("Lost the connection that hears the other nodes ({Reason}); trying again in {Delay}", e.Message, retry);
            }
            try
            {
                await Task.Delay(retry, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            retry = retry * 2 > LastRetry ? LastRetry : retry * 2;
        }
        Listening = false;
    }

    private void Receive(string text)
    {
        var node = text.IndexOf(' ', StringComparison.Ordinal);
        var topic = node < 0 ? -1 : text.IndexOf(' ', node + 1);
        if (topic < 0)
            return;
        if (text.AsSpan(0, node).SequenceEqual(NodeId))
            return; // our own: this node's subscribers heard it when it was sent
        var name = text[(node + 1)..topic];
        if (name == NodeTopics.Resync)
            return; // only ever raised locally
        _handlers.Raise(name, text[(topic + 1)..]);
    }

    public override void Dispose()
    {
        // Signals queued just before (a CLI command's change, a node stopping) still go out; the wait is bounded, as a
        // server that cannot be reached must not hold the process.
        _outgoing.Writer.TryComplete();
        _sender.Wait(SendOnDispose);
        base.Dispose();
    }

    private static readonly TimeSpan SendOnDispose = TimeSpan.FromSeconds(2);
}
