using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Webmail.Core.Hosting;

/// <summary>
/// What the POP3 and IMAP listeners share: one endpoint's <see cref="ListeningSocket"/> and accept
/// loop, the open sessions by id, and a shutdown that stops accepting, ends the sessions through
/// <see cref="Stopping"/> and waits up to 10 seconds for them. How a connection is admitted and
/// served is the protocol's own (<see cref="OnAccepted"/>).
/// </summary>
public abstract class MailListener : IMailListener
{
    /// <summary>How long disposing waits for open sessions to end.</summary>
    private static readonly TimeSpan SessionDrainTimeout = TimeSpan.FromSeconds(10);

    private readonly ListeningSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextSession;

    protected MailListener(string name, IPEndPoint endpoint, bool implicitTls, ILogger logger)
    {
        Name = name;
        ImplicitTls = implicitTls;
        Endpoint = endpoint;
        Logger = logger;
        Stopping = _stop.Token;
        _socket = new ListeningSocket(endpoint, logger);
    }

    public string Name { get; }

    /// <summary>True when connections start with the TLS handshake; false when they start in plain text and offer STARTTLS / STLS.</summary>
    public bool ImplicitTls { get; }

    /// <summary>The configured endpoint.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The bound endpoint (the real port when <see cref="Endpoint"/> asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Open sessions right now.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>The protocol's name in log messages (<c>POP3</c>, <c>IMAP</c>).</summary>
    protected abstract string Protocol { get; }

    /// <summary>The command that upgrades a plain connection to TLS (<c>STLS</c>, <c>STARTTLS</c>), for the start-up log.</summary>
    protected abstract string StartTlsCommand { get; }

    /// <summary>The length of the queue of connections not accepted yet.</summary>
    protected abstract int Backlog { get; }

    /// <summary>The listener's logger.</summary>
    protected ILogger Logger { get; }

    // Read once in the constructor: a session that starts only after a drain timed out must not touch the disposed source.
    /// <summary>Cancelled when the listener is disposed: sessions end when it is.</summary>
    protected CancellationToken Stopping { get; }

    /// <summary>Binds and starts accepting.</summary>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public void Start()
    {
        _socket.Bind(Backlog);
        _acceptLoop = _socket.AcceptAsync(Name, Accepted, Stopping);
        Logger.LogInformation("{Protocol} listener {Name} on {Endpoint} ({Mode})", Protocol, Name, LocalEndPoint, ImplicitTls ? "implicit TLS" : StartTlsCommand);
    }

    private void Accepted(Socket client)
    {
        var id = Interlocked.Increment(ref _nextSession);
        // Everything the session logs carries its id (the JSON log format shows it), so one session can
        // be followed: the session's task starts inside the scope and keeps it.
        using (Logger.BeginScope("{Protocol} session {SessionId}", Protocol, $"{Name}-{id}"))
            OnAccepted(client, id);
    }

    /// <summary>
    /// Admits or refuses a connection the accept loop took, session id <paramref name="id"/>; runs on
    /// the accept loop, so it must not block. A session it starts is counted from <see cref="AddSession"/>
    /// to <see cref="RemoveSession"/>.
    /// </summary>
    protected abstract void OnAccepted(Socket client, long id);

    /// <summary>Counts session <paramref name="id"/> as open until <see cref="RemoveSession"/>; disposing waits for <paramref name="session"/>.</summary>
    protected void AddSession(long id, Task session)
    {
        _sessions[id] = session;
        var counted = WebmailMeter.Session(Protocol.ToLowerInvariant());
        session.ContinueWith(_ => counted.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Stops counting session <paramref name="id"/>.</summary>
    protected void RemoveSession(long id) => _sessions.TryRemove(id, out _);

    /// <summary>Stops accepting, ends the open sessions and waits for them; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_sessions.Values).WaitAsync(SessionDrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Logger.LogWarning("{Protocol} listener {Name}: sessions did not end within 10 seconds", Protocol, Name);
        }
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
