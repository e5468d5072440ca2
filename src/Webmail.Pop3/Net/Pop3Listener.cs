using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Webmail.Pop3.Protocol;

namespace Webmail.Pop3.Net;

/// <summary>
/// Accepts POP3 connections on one endpoint (plain with STLS, or implicit TLS) and runs a
/// <see cref="Pop3Session"/> for each. A failing session is logged and closed; the listener keeps
/// serving. Disposing stops accepting, cancels open sessions (without the UPDATE state) and waits for them.
/// </summary>
public sealed class Pop3Listener : IAsyncDisposable
{
    private readonly Pop3ServerContext _server;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextSession;

    public Pop3Listener(string name, IPEndPoint endpoint, bool implicitTls, Pop3ServerContext server)
    {
        Name = name;
        ImplicitTls = implicitTls;
        _server = server;
        _logger = server.Loggers.CreateLogger<Pop3Listener>();
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
            _socket.DualMode = true;
        Endpoint = endpoint;
    }

    public string Name { get; }
    public bool ImplicitTls { get; }
    public IPEndPoint Endpoint { get; }

    /// <summary>The bound endpoint (its port is the real one when <see cref="Endpoint"/> asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Open sessions right now.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Binds and starts accepting.</summary>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public void Start()
    {
        _socket.Bind(Endpoint);
        _socket.Listen(512);
        _acceptLoop = AcceptLoopAsync();
        _logger.LogInformation("POP3 listener {Name} on {Endpoint} ({Mode})", Name, LocalEndPoint, ImplicitTls ? "implicit TLS" : "STLS");
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A connection reset before accept completes, or fd exhaustion: keep serving.
                _logger.LogWarning(ex, "POP3 listener {Name}: accept failed", Name);
                continue;
            }
            var id = Interlocked.Increment(ref _nextSession);
            var task = RunConnectionAsync(client, id);
            _sessions[id] = task;
            _ = task.ContinueWith(_ => _sessions.TryRemove(id, out var _), TaskScheduler.Default);
        }
    }

    private async Task RunConnectionAsync(Socket client, long id)
    {
        await Task.Yield();
        client.NoDelay = true;
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        var sessionId = $"{Name}-{id}";
        var counted = _server.Connections.TryOpen(remote.Address, _server.Options.Limits.MaxSessionsPerIp);
        var connection = new Pop3Connection(new NetworkStream(client, ownsSocket: true), remote);
        try
        {
            if (!counted)
            {
                _logger.LogWarning("POP3 {Session}: too many connections from {RemoteIp}", sessionId, remote.Address);
                connection.WriteLine("-ERR [SYS/TEMP] Too many connections from your address");
                await connection.FlushAsync(_stop.Token).ConfigureAwait(false);
                return;
            }
            if (ImplicitTls)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(_server.TlsHandshakeTimeout);
                await connection.StartTlsAsync(_server.Certificates.Certificate, timeout.Token).ConfigureAwait(false);
            }
            await new Pop3Session(connection, _server, sessionId, _stop.Token).RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException)
        {
            _logger.LogDebug(ex, "POP3 {Session} from {RemoteIp} ended early", sessionId, remote.Address);
        }
        catch (Exception ex)
        {
            // Last line of defence: a bug outside a command. The listener keeps serving others.
            _logger.LogError(ex, "POP3 {Session} from {RemoteIp} failed", sessionId, remote.Address);
        }
        finally
        {
            if (counted)
                _server.Connections.Close(remote.Address);
            await DisposeQuietlyAsync(connection).ConfigureAwait(false);
        }
    }

    private async Task DisposeQuietlyAsync(Pop3Connection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            _logger.LogDebug(ex, "POP3 listener {Name}: closing a connection failed", Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_sessions.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
