using System.Net;
using System.Net.Sockets;

namespace Webmail.Testing;

/// <summary>Bytes a <see cref="ByteCountingProxy"/> carried each way.</summary>
public readonly record struct ByteCounts(long ToServer, long ToClient)
{
    public long Total => ToServer + ToClient;

    public static ByteCounts operator -(ByteCounts after, ByteCounts before) =>
        new(after.ToServer - before.ToServer, after.ToClient - before.ToClient);

    public override string ToString() => $"{ToServer:N0} B client→server, {ToClient:N0} B server→client";
}

/// <summary>
/// A loopback TCP proxy in front of a server port that counts the bytes it forwards each way, to
/// measure what a real client sends and receives (after any compression: the bytes on the wire).
/// Each connection is two copy loops; an end-of-stream is passed on as a half-close, so a client
/// that logs out and closes ends the connection the way it would without the proxy.
/// </summary>
public sealed class ByteCountingProxy : IAsyncDisposable
{
    private const int BufferSize = 16 * 1024;

    private readonly LoopbackListener _listener;
    private readonly int _targetPort;
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _open = [];
    private long _toServer;
    private long _toClient;

    private ByteCountingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new LoopbackListener((client, stop) =>
        {
            var relay = RelayAsync(client, stop);
            lock (_gate)
                _open.Add(relay);
            _ = relay.ContinueWith(done => { lock (_gate) _open.Remove(done); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return relay;
        });
    }

    /// <summary>Starts a proxy on a free loopback port that forwards to <c>127.0.0.1:<paramref name="targetPort"/></c>.</summary>
    public static ByteCountingProxy Start(int targetPort) => new(targetPort);

    /// <summary>The loopback port clients connect to.</summary>
    public int Port => _listener.Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => _listener.Connections;

    /// <summary>The bytes forwarded so far; final for a client once <see cref="WhenIdleAsync"/> completes after it closed.</summary>
    public ByteCounts Counts => new(Interlocked.Read(ref _toServer), Interlocked.Read(ref _toClient));

    /// <summary>Completes when no connection is open (each one closed by both ends), so <see cref="Counts"/> holds everything they carried.</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task[] open;
            lock (_gate)
                open = [.. _open];
            if (open.Length == 0)
                return;
            await Task.WhenAll(open).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RelayAsync(TcpClient accepted, CancellationToken stop)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (accepted)
        {
            var client = accepted.Client;
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return;
            }
            await Task.WhenAll(
                CopyAsync(client, server, n => Interlocked.Add(ref _toServer, n), stop),
                CopyAsync(server, client, n => Interlocked.Add(ref _toClient, n), stop)).ConfigureAwait(false);
        }
    }

    /// <summary>Forwards until <paramref name="from"/> ends, then half-closes <paramref name="to"/>; a reset or a stop closes both.</summary>
    private static async Task CopyAsync(Socket from, Socket to, Action<int> count, CancellationToken stop)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
                if (read == 0)
                    break;
                // A stream socket's SendAsync returns once every byte is queued to the kernel.
                for (var sent = 0; sent < read;)
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, stop).ConfigureAwait(false);
                count(read);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One end reset or the proxy stops: the other direction cannot go on either.
            from.Close();
            to.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        await WhenIdleAsync().ConfigureAwait(false);
    }
}
