using System.Collections.Concurrent;
using System.Globalization;
using Webmail.Core.Nodes;

namespace Webmail.Core.Accounts;

/// <summary>
/// What delivery reads of an account on every message and a person changes rarely (the sender lists, the active Sieve
/// script), kept for <see cref="Fresh"/> so that a busy account's mail does not ask the store each time (on
/// PostgreSQL each read is a round trip). The service that owns the values calls <see cref="Changed"/> after every
/// change it commits: this node reads again at once, and the other nodes on the same store hear it
/// (<see cref="NodeTopics.AccountRules"/>) and read again too. A change made where no signal reaches (the CLI, another
/// process on the same SQLite file) or whose signal was lost shows within <see cref="Fresh"/>.
/// </summary>
public sealed class AccountCache<T> : IDisposable
{
    /// <summary>
    /// How long a value read is used without asking the store again, when no change was heard: the longest a change
    /// no signal announced (the CLI, another process on the same SQLite file) takes to apply.
    /// </summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);

    /// <summary>Beyond this many accounts, the values past <see cref="Fresh"/> are dropped when the next is added.</summary>
    private const int SweepAbove = 4096;

    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private readonly string _kind;
    private readonly INodeSignals _nodes;
    private readonly TimeProvider _time;
    private readonly IDisposable[] _subscriptions;

    // Moves on with every change heard, here or from another node: a value read before it is not used after it, so a
    // read that overlapped a change (and may have seen the old value) is never kept past that change.
    private long _generation;

    private sealed record Entry(T Value, long Generation, DateTimeOffset ReadAt);

    /// <param name="kind">Names the values in the nodes' signals ("senders", "sieve"); one word.</param>
    public AccountCache(string kind, INodeSignals nodes, TimeProvider time)
    {
        _kind = kind;
        _nodes = nodes;
        _time = time;
        _subscriptions =
        [
            nodes.Listen(NodeTopics.AccountRules, OnSignal),
            nodes.Listen(NodeTopics.Resync, _ => Forget(null)),
        ];
    }

    /// <summary>The account's value: the one kept when it is fresh, else <paramref name="read"/>'s.</summary>
    public async Task<T> GetAsync(long accountId, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        var now = _time.GetUtcNow();
        if (_entries.TryGetValue(accountId, out var kept) && kept.Generation == generation && now - kept.ReadAt < Fresh)
            return kept.Value;
        var value = await read(cancellationToken).ConfigureAwait(false);
        if (_entries.Count >= SweepAbove)
            foreach (var (id, entry) in _entries)
                if (now - entry.ReadAt >= Fresh)
                    _entries.TryRemove(id, out _);
        _entries[accountId] = new Entry(value, generation, now);
        return value;
    }

    /// <summary>After a change to the account's values has committed: read again here, and tell the other nodes.</summary>
    public void Changed(long accountId)
    {
        Forget(accountId);
        _nodes.Send(NodeTopics.AccountRules, string.Create(CultureInfo.InvariantCulture, $"{_kind} {accountId}"));
    }

    private void OnSignal(string payload)
    {
        var space = payload.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && payload.AsSpan(0, space).SequenceEqual(_kind)
            && long.TryParse(payload.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var accountId))
            Forget(accountId);
    }

    /// <summary>Forgets one account's value, or every value (null).</summary>
    private void Forget(long? accountId)
    {
        Interlocked.Increment(ref _generation);
        if (accountId is { } id)
            _entries.TryRemove(id, out _);
        else
            _entries.Clear();
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
            subscription.Dispose();
    }
}
