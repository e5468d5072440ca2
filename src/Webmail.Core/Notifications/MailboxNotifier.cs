using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Webmail.Core.Nodes;

namespace Webmail.Core.Notifications;

/// <summary>
/// What changed in an account's mailbox: new mail in a folder, or any other change (flags, moves, deletes), or
/// <see cref="MailboxChangeKind.Resync"/> (folder 0): changes may have been missed, read everything again.
/// </summary>
public sealed record MailboxChange(long AccountId, MailboxChangeKind Kind, long FolderId, long MessageId = 0);

/// <summary>A message a user moved or copied into Junk (<paramref name="IsSpam"/>) or out of it (to anywhere but Trash).</summary>
public sealed record JunkVerdict(long AccountId, long MessageId, bool IsSpam);

public enum MailboxChangeKind
{
    NewMessage,
    Changed,

    /// <summary>This node lost its link to the other nodes for a while: any folder may have changed.</summary>
    Resync,
}

/// <summary>
/// A singleton that fans mailbox changes out to subscribers keyed by account (open browser
/// circuits, IMAP sessions). The store publishes after every commit; subscribers marshal onto their own
/// context and dispose the subscription when they go away. With several nodes (issue 19) a change is also
/// sent to the other nodes (<see cref="INodeSignals"/>, topic <see cref="NodeTopics.Mailbox"/>: ids only), whose
/// notifiers hand it to their own subscribers; those read what changed from the store.
/// </summary>
public sealed class MailboxNotifier
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<Guid, Func<MailboxChange, Task>>> _subscribers = new();
    private readonly ILogger<MailboxNotifier> _logger;
    private readonly INodeSignals? _nodes;

    public MailboxNotifier(ILogger<MailboxNotifier> logger, INodeSignals? nodes = null)
    {
        _logger = logger;
        _nodes = nodes;
        if (nodes is null)
            return;
        nodes.Listen(NodeTopics.Mailbox, payload =>
        {
            if (Parse(payload) is { } change)
                Deliver(change);
            else
                _logger.LogWarning("Ignoring a malformed mailbox signal from another node");
        });
        nodes.Listen(NodeTopics.Resync, _ =>
        {
            foreach (var accountId in _subscribers.Keys)
                Deliver(new MailboxChange(accountId, MailboxChangeKind.Resync, 0));
        });
    }

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

    /// <summary>
    /// Calls the account's subscribers without waiting for them (a failing subscriber is logged and skipped), and
    /// tells the other nodes.
    /// </summary>
    public void Publish(MailboxChange change)
    {
        Deliver(change);
        _nodes?.Send(NodeTopics.Mailbox, Format(change));
    }

    /// <summary>The signal's payload: "account folder kind message", numbers only.</summary>
    internal static string Format(MailboxChange change) =>
        string.Create(CultureInfo.InvariantCulture, $"{change.AccountId} {change.FolderId} {(int)change.Kind} {change.MessageId}");

    internal static MailboxChange? Parse(string payload)
    {
        var parts = payload.Split(' ');
        return parts.Length == 4
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var account)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var folder)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var kind) && Enum.IsDefined((MailboxChangeKind)kind)
            && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var message)
            ? new MailboxChange(account, (MailboxChangeKind)kind, folder, message)
            : null;
    }

    private void Deliver(MailboxChange change)
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
                _logger.LogWarning(e, "Junk verdict subscriber failed for account {AccountId}", verdict.AccountId);
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
            _logger.LogWarning(e, "Mailbox change subscriber failed for account {AccountId}", change.AccountId);
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
