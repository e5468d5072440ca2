using System.Net;
using System.Net.Sockets;

namespace Webmail.Testing;

/// <summary>
/// A loopback port that refuses every connection for as long as this lives: the socket is bound but never listens, so
/// the kernel answers each connect with a reset and no other process can take the port meanwhile. A route to it is a
/// destination that is down, deterministically (mail to it stays queued for a retry).
/// </summary>
public sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public string Endpoint => $"127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}
