using System.Collections.Concurrent;

namespace Webmail.Pop3.Protocol;

/// <summary>
/// The exclusive-access lock on a maildrop (RFC 1939 §4: the server acquires it after
/// authentication; a second session gets <c>-ERR [IN-USE]</c>, RFC 2449 §8.1.1). In-process: one
/// server owns the store.
/// </summary>
public sealed class MaildropLocks
{
    private readonly ConcurrentDictionary<long, byte> _held = new();

    /// <returns>A handle that releases the lock when disposed, or <c>null</c> when another session holds it.</returns>
    public IDisposable? TryAcquire(long accountId) =>
        _held.TryAdd(accountId, 0) ? new Handle(this, accountId) : null;

    public bool IsHeld(long accountId) => _held.ContainsKey(accountId);

    private sealed class Handle(MaildropLocks owner, long accountId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                owner._held.TryRemove(accountId, out _);
        }
    }
}
