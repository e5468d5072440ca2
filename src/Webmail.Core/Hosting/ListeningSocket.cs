using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Webmail.Core.Hosting;

/// <summary>
/// A TCP listening socket and its accept loop, shared by the POP3 and IMAP listeners: binds (dual
/// stack for <c>[::]</c>), accepts until stopped, hands each connection on, and keeps serving when
/// one accept fails (a connection reset before it completed, or descriptors running out).
/// </summary>
public sealed class ListeningSocket(IPEndPoint endpoint, ILogger logger) : IDisposable
{
    private readonly Socket _socket = Create(endpoint);

    /// <summary>The bound endpoint (the real port when the configured one was 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    private static Socket Create(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
            socket.DualMode = true;
        return socket;
    }

    /// <summary>Binds and listens.</summary>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public void Bind(int backlog)
    {
        _socket.Bind(endpoint);
        _socket.Listen(backlog);
    }

    /// <summary>Accepts connections and passes each to <paramref name="accepted"/> until <paramref name="stop"/> is cancelled or the socket is disposed.</summary>
    public async Task AcceptAsync(string name, Action<Socket> accepted, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                logger.LogWarning(e, "Listener {Name}: accept failed", name);
                continue;
            }
            accepted(client);
        }
    }

    public void Dispose() => _socket.Dispose();
}
