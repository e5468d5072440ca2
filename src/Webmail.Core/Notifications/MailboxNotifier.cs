using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Webmail.Core.Notifications;

/// <summary>What changed in an account's mailbox: new mail in a folder, or any other change (flags, moves, deletes).</summary>
public sealed record MailboxChange(long AccountId, MailboxChangeKind Kind, long FolderId, long MessageId = 0);

/// <summary>A message a user moved or copied into Junk (<paramref name="IsSpam"/>) or out of it (to anywhere but Trash).</summary>
public sealed record JunkVerdict(long AccountId, long MessageId, bool IsSpam);

public enum MailboxChangeKind
{
    NewMessage,
    Changed,
}

/// <summary>
/// A singleton that fans mailbox changes out to subscribers keyed by account (open browser
/// circuits). The store publishes after every commit; subscribers marshal onto their own
/// context and dispose the subscription when they go away.
/// </summary>
public sealed class MailboxNotifier(ILogger<MailboxNotifier> logger)
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<Guid, Func<MailboxChange, Task>>> _subscribers = new();

    public IDisposable Subscribe(long accountId, Func<MailboxChange, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscribers.GetOrAdd(accountId, _ => new()).TryAdd(id, handler);
        return new Subscription(() =>
        {
            if (_subscribers.TryGetValue(accountId, out var handlers))
                handlers.TryRemove(id, out _);
        });
    }

    /// <summary>Calls the account's subscribers without waiting for them; a failing subscriber is logged and skipped.</summary>
    public void Publish(MailboxChange change)
    {
        if (!_subscribers.TryGetValue(change.AccountId, out var handlers) || handlers.IsEmpty)
            return;
        foreach (var handler in handlers.Values)
            _ = InvokeAsync(handler, change);
    }

    private readonly ConcurrentDictionary<Guid, Action<JunkVerdict>> _junkVerdicts = new();

    /// <summary>Hears every <see cref="JunkVerdict"/> of every account (the spam filter's trainer). The handler must not block.</summary>
    public IDisposable SubscribeJunkVerdicts(Action<JunkVerdict> handler)
    {
        var id = Guid.NewGuid();
        _junkVerdicts.TryAdd(id, handler);
        return new Subscription(() => _junkVerdicts.TryRemove(id, out _));
    }

    /// <summary>Called by the store after the commit of a move or copy in or out of Junk.</summary>
    public void PublishJunkVerdict(JunkVerdict verdict)
    {
        foreach (var handler in _junkVerdicts.Values)
        {
            try
            {
                handler(verdict);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning(e, "Junk verdict subscriber failed for account {AccountId}", verdict.AccountId);
            }
        }
    }

    private async Task InvokeAsync(Func<MailboxChange, Task> handler, MailboxChange change)
    {
        try
        {
            await handler(change).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The subscriber is going away (a closed page); nothing failed.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Mailbox change subscriber failed for account {AccountId}", change.AccountId);
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
