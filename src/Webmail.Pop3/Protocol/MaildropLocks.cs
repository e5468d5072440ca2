using System.Collections.Concurrent;
using Webmail.Core.Nodes;

namespace Webmail.Pop3.Protocol;

/// <summary>
/// The exclusive-access lock on a maildrop (RFC 1939 §4: the server acquires it after
/// authentication; a second session gets <c>-ERR [IN-USE]</c>, RFC 2449 §8.1.1). A node lock
/// (<see cref="INodeLocks"/>): with several nodes on one PostgreSQL store it holds across all of them,
/// and dies with the session, or with its node.
/// </summary>
public sealed class MaildropLocks(INodeLocks locks)
{
    /// <summary>Locks of this process only (one node, and tests).</summary>
    public MaildropLocks() : this(new SingleNodeLocks())
    {
    }

    private readonly ConcurrentDictionary<long, byte> _held = new();

    /// <summary>Takes the lock; waits on the calling thread (a POP3 session's own).</summary>
    /// <returns>A handle that releases the lock when disposed, or <c>null</c> when another session holds it.</returns>
    /// <exception cref="Core.Storage.StoreUnavailableException">The store that keeps the locks cannot be reached.</exception>
    public IDisposable? TryAcquire(long accountId, CancellationToken cancellationToken)
    {
        if (locks.TryAcquireAsync(NodeLock.Maildrop(accountId), cancellationToken).GetAwaiter().GetResult() is not { } handle)
            return null;
        _held[accountId] = 0;
        return new Handle(this, accountId, handle);
    }

    /// <summary>Whether a session of this node holds the account's maildrop.</summary>
    public bool IsHeld(long accountId) => _held.ContainsKey(accountId);

    /// <summary>Releases synchronously: RFC 1939 §6 wants the maildrop free before the +OK of QUIT goes out.</summary>
    private sealed class Handle(MaildropLocks owner, long accountId, IAsyncDisposable inner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            // The lock first, then the mark: IsHeld is false only once another session can take the lock.
            try
            {
                inner.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            finally
            {
                owner._held.TryRemove(accountId, out _);
            }
        }
    }
}
