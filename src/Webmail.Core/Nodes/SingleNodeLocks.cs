using System.Collections.Concurrent;

namespace Webmail.Core.Nodes;

/// <summary>The locks of one process: enough when one node owns the store (SQLite), and the first check on every node.</summary>
public sealed class SingleNodeLocks : INodeLocks
{
    private readonly ConcurrentDictionary<NodeLock, byte> _held = new();

    public Task<IAsyncDisposable?> TryAcquireAsync(NodeLock name, CancellationToken cancellationToken) =>
        Task.FromResult(TryAcquire(name));

    /// <returns>A handle that releases the lock when disposed, or <c>null</c> when this process holds it already.</returns>
    public IAsyncDisposable? TryAcquire(NodeLock name) =>
        _held.TryAdd(name, 0) ? new Handle(() => _held.TryRemove(name, out _)) : null;

    public bool IsHeld(NodeLock name) => _held.ContainsKey(name);

    private sealed class Handle(Action release) : IAsyncDisposable
    {
        private Action? _release = release;

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _release, null)?.Invoke();
            return ValueTask.CompletedTask;
        }
    }
}
