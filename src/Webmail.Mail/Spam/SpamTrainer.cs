using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;

namespace Webmail.Mail.Spam;

/// <summary>
/// Teaches rspamd from what users do: every message moved or copied into Junk is sent to <c>/learnspam</c>,
/// every one moved out of Junk (not to Trash) to <c>/learnham</c>. The store announces each verdict after its
/// commit (<see cref="MailboxNotifier.PublishJunkVerdict"/>), from the web UI and IMAP alike; this worker takes
/// them one at a time from a bounded queue, and records what rspamd learned (<see cref="ISpamFilterStore"/>) so
/// a message is taught each direction once.
/// </summary>
public sealed class SpamTrainer(
    RspamdClient client,
    MailboxNotifier notifier,
    IMailboxReader mailbox,
    ISpamFilterStore store,
    IInboundFilterCounter counter,
    ILogger<SpamTrainer> logger) : BackgroundService
{
    /// <summary>Verdicts waiting; past this, new ones are dropped with a warning (a bulk move of thousands teaches the first ones).</summary>
    public const int QueueCapacity = 1000;

    /// <summary>Largest message sent for learning; rspamd learns from the text, and a huge attachment teaches nothing.</summary>
    public const int MaxLearnBytes = 2 * 1024 * 1024;

    private readonly Channel<JunkVerdict> _queue = Channel.CreateBounded<JunkVerdict>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private IDisposable? _subscription;
    private int _dropped;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = notifier.SubscribeJunkVerdicts(Enqueue);
        return base.StartAsync(cancellationToken);
    }

    private void Enqueue(JunkVerdict verdict)
    {
        if (!_queue.Writer.TryWrite(verdict) && Interlocked.Increment(ref _dropped) % 100 == 1)
            logger.LogWarning("Spam training queue full ({Capacity}): message {MessageId} not taught (and others since)", QueueCapacity, verdict.MessageId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var verdict in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                await TeachAsync(verdict, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Waits before the second and third tries of a lesson rspamd failed to take (a timeout, a 5xx: a busy or
    /// restarting rspamd); after the third the lesson is dropped with a warning.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> RetryDelays = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8)];

    /// <summary>
    /// Teaches one verdict unless it was taught before. A failure of rspamd is tried again after each of
    /// <see cref="RetryDelays"/> (a user's move into Junk is not lost to one slow answer); then it is logged and
    /// dropped (the next move teaches again).
    /// </summary>
    private async Task TeachAsync(JunkVerdict verdict, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await TeachOnceAsync(verdict, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RspamdException e) when (attempt < RetryDelays.Count)
            {
                logger.LogInformation("rspamd could not learn message {MessageId} ({Reason}); trying again in {Delay}", verdict.MessageId, e.Message, RetryDelays[attempt]);
                await Task.Delay(RetryDelays[attempt], cancellationToken).ConfigureAwait(false);
            }
            catch (RspamdException e)
            {
                logger.LogWarning("rspamd could not learn message {MessageId} after {Attempts} tries: {Reason}", verdict.MessageId, attempt + 1, e.Message);
                return;
            }
            catch (StoreUnavailableException e)
            {
                logger.LogWarning(e, "Spam training of message {MessageId} skipped: the store is unavailable", verdict.MessageId);
                return;
            }
        }
    }

    private async Task TeachOnceAsync(JunkVerdict verdict, CancellationToken cancellationToken)
    {
        if (await store.GetLearnedAsync(verdict.AccountId, verdict.MessageId, cancellationToken).ConfigureAwait(false) == verdict.IsSpam)
            return;
        if (await mailbox.GetRawAsync(verdict.AccountId, verdict.MessageId, cancellationToken).ConfigureAwait(false) is not { } raw)
            return; // deleted since
        var (outcome, answer) = await client.LearnAsync(verdict.IsSpam, raw.AsMemory(0, Math.Min(raw.Length, MaxLearnBytes)), cancellationToken).ConfigureAwait(false);
        var kind = verdict.IsSpam ? "spam" : "ham";
        if (outcome == LearnOutcome.Refused)
        {
            logger.LogInformation("rspamd would not learn message {MessageId} as {Kind}: {Answer}", verdict.MessageId, kind, answer);
            return;
        }
        await store.RecordLearnedAsync(verdict.AccountId, verdict.MessageId, verdict.IsSpam, cancellationToken).ConfigureAwait(false);
        if (outcome == LearnOutcome.Learned)
        {
            await counter.CountAsync("learned", kind, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("rspamd learned message {MessageId} of account {AccountId} as {Kind}", verdict.MessageId, verdict.AccountId, kind);
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }
}
