using Webmail.Resilience.Tests.Harness;

namespace Webmail.Benchmarks;

/// <summary>
/// The controller's hold over a load run: the server process (replaced after a SIGKILL), a gate the
/// load loops pass before each piece of work (closed while the server is killed, restarted and
/// checked), and resynchronisation rounds the IMAP clients answer one by one. A failure that a kill
/// explains (the server was down, or restarted since the work began) is the run's own doing.
/// </summary>
internal sealed class LoadControl(ServerProcess server, string dataDirectory, IDictionary<string, string> settings)
{
    private readonly object _lock = new();
    private TaskCompletionSource _changed = NewSignal();
    private CancellationTokenSource _changedToken = new();
    private TaskCompletionSource _up = Completed();
    private bool _open;
    private int _busy;
    private int _reported;

    public ServerProcess Server { get; private set; } = server;

    /// <summary>Restarts so far: work begun in an earlier epoch was cut off by a kill.</summary>
    public int Epoch { get; private set; }

    /// <summary>Between the kill and the restarted server answering.</summary>
    public bool ServerDown { get; private set; }

    /// <summary>The number of the resynchronisation round the clients are asked to answer (0: none yet).</summary>
    public int Round { get; private set; }

    /// <summary>True while the load may run.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
                return _open;
        }
    }

    /// <summary>Clients that answered the current round.</summary>
    public int Reported => Volatile.Read(ref _reported);

    /// <summary>Completes at the next change of the gate, the round or the server.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
                return _changed.Task;
        }
    }

    /// <summary>Cancelled at the next change of the gate, the round or the server (to wake a client waiting in IDLE).</summary>
    public CancellationToken ChangedToken
    {
        get
        {
            lock (_lock)
                return _changedToken.Token;
        }
    }

    /// <summary>True when a failure of work begun in <paramref name="epoch"/> is explained by a kill.</summary>
    public bool Interrupted(int epoch) => ServerDown || Epoch != epoch;

    /// <summary>
    /// Waits until the gate is open and counts the caller as busy until it disposes the result; a
    /// <paramref name="client"/> first answers any round it has not answered yet.
    /// </summary>
    public async Task<IDisposable> EnterAsync(IRoundClient? client, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            int round;
            lock (_lock)
            {
                changed = _changed.Task;
                round = Round;
                if ((client is null || client.AnsweredRound >= round) && _open)
                {
                    Interlocked.Increment(ref _busy);
                    return new Busy(this);
                }
            }
            if (client is not null && client.AnsweredRound < round)
            {
                await client.AnswerAsync(round, cancellationToken);
                continue;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits until the server is up (after a kill, until the restart answers).</summary>
    public Task WaitUpAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            return _up.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stopwatch timestamp of the last time the gate opened (work waiting at the gate was held up until then).</summary>
    public long OpenedAt { get; private set; }

    public void Open()
    {
        lock (_lock)
        {
            _open = true;
            OpenedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        Signal();
    }

    /// <summary>Closes the gate and waits (at most <paramref name="drain"/>) until no work is in progress; returns how many were still busy.</summary>
    public async Task<int> CloseAsync(TimeSpan drain)
    {
        lock (_lock)
            _open = false;
        Signal();
        var deadline = DateTime.UtcNow + drain;
        while (Volatile.Read(ref _busy) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return Volatile.Read(ref _busy);
    }

    /// <summary>SIGKILL: no shutdown code runs. The gate closes; work in progress fails and is not counted as errors.</summary>
    public async Task KillAsync()
    {
        lock (_lock)
        {
            _open = false;
            ServerDown = true;
            _up = NewSignal();
        }
        await Server.KillAsync();
        Signal();
    }

    /// <summary>Starts the server again over the same data directory; clients then find it through <see cref="Server"/>.</summary>
    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        Server = await ServerProcess.StartAsync(dataDirectory, settings);
        TaskCompletionSource up;
        lock (_lock)
        {
            Epoch++;
            ServerDown = false;
            up = _up;
        }
        up.TrySetResult();
        Signal();
    }

    /// <summary>Asks every client to resynchronise and report; returns the new round's number.</summary>
    public int StartRound()
    {
        int round;
        lock (_lock)
        {
            round = ++Round;
            _reported = 0;
        }
        Signal();
        return round;
    }

    /// <summary>A client answered round <paramref name="round"/>.</summary>
    public void Report(int round)
    {
        lock (_lock)
        {
            if (round == Round)
                _reported++;
        }
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        CancellationTokenSource token;
        lock (_lock)
        {
            (changed, token) = (_changed, _changedToken);
            (_changed, _changedToken) = (NewSignal(), new CancellationTokenSource());
        }
        changed.TrySetResult();
        // Not disposed: a waiter may still be linking to it; there are a handful per run.
        token.Cancel();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource Completed()
    {
        var done = NewSignal();
        done.TrySetResult();
        return done;
    }

    private sealed class Busy(LoadControl control) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Interlocked.Decrement(ref control._busy);
        }
    }
}

/// <summary>A client that answers the controller's resynchronisation rounds.</summary>
internal interface IRoundClient
{
    /// <summary>The last round answered (0: none).</summary>
    int AnsweredRound { get; }

    /// <summary>Resynchronises with the store (reconnecting if need be), sets <see cref="AnsweredRound"/> and reports to the controller.</summary>
    Task AnswerAsync(int round, CancellationToken cancellationToken);
}
