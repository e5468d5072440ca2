using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Webmail.Core.Notifications;

/// <summary>What changed in an account's mailbox: new mail in a folder, or any other change (flags, moves, deletes).</summary>
public sealed record MailboxChange(long AccountId, MailboxChangeKind Kind, long FolderId, long MessageId = 0);

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
