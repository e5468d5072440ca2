namespace Webmail.Core.Nodes;

/// <summary>
/// Exclusive locks that hold across every node sharing the store (issue 19): a POP3 maildrop (RFC 1939 §4), the
/// first-run setup, the creation of the first data-protection key. A lock lives as long as its handle, and dies
/// with the node that holds it (on PostgreSQL: a session-level advisory lock, released when the node's connection
/// closes, also after <c>kill -9</c>). With one node (SQLite) the locks are this process's (<see cref="SingleNodeLocks"/>).
/// </summary>
public interface INodeLocks
{
    /// <summary>Takes the lock if nobody (on any node) holds it.</summary>
    /// <returns>The handle that releases the lock when disposed, or <c>null</c> when it is held elsewhere.</returns>
    /// <exception cref="Storage.StoreUnavailableException">The store that keeps the locks cannot be reached.</exception>
    Task<IAsyncDisposable?> TryAcquireAsync(NodeLock name, CancellationToken cancellationToken);
}

/// <summary>A lock's name: what kind of thing (<see cref="Space"/>, a constant per use) and which one.</summary>
public readonly record struct NodeLock(int Space, long Id)
{
    /// <summary>An account's POP3 maildrop.</summary>
    public static NodeLock Maildrop(long accountId) => new(0x504F5033, accountId); // "POP3"

    /// <summary>The first-run setup (one for the whole installation).</summary>
    public static readonly NodeLock Setup = new(0x53455455, 1); // "SETU"

    /// <summary>Creating the web's data-protection key ring (one for the whole installation).</summary>
    public static readonly NodeLock DataProtectionKeys = new(0x44504B59, 1); // "DPKY"
}

public static class NodeLocksExtensions
{
    /// <summary>Waits, polling, until the lock is free and takes it. For rare, short sections (start-up, first-run setup).</summary>
    public static async Task<IAsyncDisposable> AcquireAsync(this INodeLocks locks, NodeLock name, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await locks.TryAcquireAsync(name, cancellationToken).ConfigureAwait(false) is { } handle)
                return handle;
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }
}
