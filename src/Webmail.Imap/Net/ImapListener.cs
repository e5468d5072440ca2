using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Imap.Session;

namespace Webmail.Imap.Net;

/// <summary>
/// Accepts IMAP connections on one endpoint (plain with STARTTLS, or implicit TLS) and runs an
/// asynchronous <see cref="ImapSession"/> for each: an idle session holds memory, never a thread.
/// Connections past <c>Webmail:Limits:MaxImapSessions</c>, or past
/// <c>MaxImapUnauthenticatedPerIp</c> not logged in from one address, are answered <c>* BYE</c>.
/// A failing session is logged and closed; the listener keeps serving.
/// </summary>
public sealed class ImapListener : IMailListener
{
    private readonly ImapServerContext _server;
    private readonly ILogger _logger;
    private readonly ListeningSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextSession;

    public ImapListener(string name, IPEndPoint endpoint, bool implicitTls, ImapServerContext server)
    {
        Name = name;
        ImplicitTls = implicitTls;
        Endpoint = endpoint;
        _server = server;
        _logger = server.Loggers.CreateLogger<ImapListener>();
        _socket = new ListeningSocket(endpoint, _logger);
    }

    public string Name { get; }
    public bool ImplicitTls { get; }
    public IPEndPoint Endpoint { get; }

    /// <summary>The bound endpoint (the real port when <see cref="Endpoint"/> asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Open sessions right now.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Binds and starts accepting.</summary>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public void Start()
    {
        _socket.Bind(1024);
        _acceptLoop = _socket.AcceptAsync(Name, Accepted, _stop.Token);
        _logger.LogInformation("IMAP listener {Name} on {Endpoint} ({Mode})", Name, LocalEndPoint, ImplicitTls ? "implicit TLS" : "STARTTLS");
    }

    private void Accepted(Socket client)
    {
        var id = Interlocked.Increment(ref _nextSession);
        _sessions[id] = RunSessionAsync(client, id);
    }

    private async Task RunSessionAsync(Socket client, long id)
    {
        await Task.Yield();
        var address = ((IPEndPoint)client.RemoteEndPoint!).Address;
        var limits = _server.Options.Limits;
        var admission = _server.Unauthenticated.TryOpen(address, limits.MaxImapUnauthenticatedPerIp, 0);
        var open = _sessions.Count;
        if (admission != ConnectionAdmission.Admitted || (limits.MaxImapSessions > 0 && open > limits.MaxImapSessions))
        {
            if (admission == ConnectionAdmission.Admitted)
                _server.Unauthenticated.Close(address);
            _logger.LogWarning("IMAP listener {Name}: refused a connection from {RemoteIp}: too many sessions", Name, address);
            await RefuseAsync(client).ConfigureAwait(false);
            _sessions.TryRemove(id, out _);
            return;
        }
        var session = new ImapSession(new ImapConnection(client), _server, ImplicitTls, id, _stop.Token);
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "IMAP session {Session} from {RemoteIp} failed", id, address);
        }
        finally
        {
            if (!session.LoggedIn)
                _server.Unauthenticated.Close(address);
            await session.DisposeAsync().ConfigureAwait(false);
            _sessions.TryRemove(id, out _);
        }
    }

    private async Task RefuseAsync(Socket client)
    {
        using (client)
        {
            try
            {
                if (!ImplicitTls)
                    await client.SendAsync(Encoding.ASCII.GetBytes("* BYE Too many connections, try again later\r\n"), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                _logger.LogDebug(e, "Client went away before the BYE");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_sessions.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("IMAP listener {Name}: sessions did not end within 10 seconds", Name);
        }
        _stop.Dispose();
    }
}
