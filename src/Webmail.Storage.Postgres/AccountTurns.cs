namespace Webmail.Storage.Postgres;

/// <summary>
/// Turns per account in this process: a writer takes its account's turn before its transaction begins, so writers to
/// one account wait here, holding nothing, instead of inside PostgreSQL on the account's row lock, each with a pooled
/// connection and a backend. Appends take turns this way: 64 at once to one account took 2.3 times as long as one
/// after another (docs/benchmarks-changes.md, session 25). Other nodes' writers still meet this one's on the row lock.
/// </summary>
internal sealed class AccountTurns
{
    private readonly Dictionary<long, Turn> _turns = [];

    /// <summary>Waits for the account's turn; disposing the result ends it.</summary>
    public async ValueTask<IDisposable> TakeAsync(long accountId, CancellationToken cancellationToken)
    {
        Turn turn;
        lock (_turns)
        {
            if (!_turns.TryGetValue(accountId, out turn!))
                _turns[accountId] = turn = new Turn(accountId);
            turn.Users++;
        }
        try
        {
            await turn.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(turn);
            throw;
        }
        return new Held(this, turn);
    }

    private void Leave(Turn turn)
    {
        lock (_turns)
        {
            // Nobody holds or waits for a turn with no users: the next writer to the account makes a new one.
            if (--turn.Users == 0)
                _turns.Remove(turn.AccountId);
        }
    }

    private sealed class Turn(long accountId)
    {
        public long AccountId { get; } = accountId;
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        /// <summary>Holders and waiters; changed only under the owner's lock.</summary>
        public int Users { get; set; }
    }

    private sealed class Held(AccountTurns owner, Turn turn) : IDisposable
    {
        private Turn? _turn = turn;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _turn, null) is not { } held)
                return;
            held.Semaphore.Release();
            owner.Leave(held);
        }
    }
}
