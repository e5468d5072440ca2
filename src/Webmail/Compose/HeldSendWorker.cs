using Webmail.Core.Storage;

namespace Webmail.Compose;

/// <summary>
/// Undo send's server half: releases held messages at their time through <see cref="ComposeService.ReleaseAsync"/>
/// (the one delivery pipeline), whether or not the page that sent them is still open. Between passes it sleeps
/// until the next release time, at most <see cref="IdlePoll"/>, or until the composer holds another message.
/// </summary>
/// <remarks>
/// Each message is claimed with a lease before it is handed on: a worker that dies mid-release leaves the claim to run
/// out and the message to be claimed again; the delivery's commit deletes the hold, so a message is sent once.
/// </remarks>
public sealed class HeldSendWorker(IHeldSubmissionStore store, ComposeService compose, HeldSendSignal signal, TimeProvider time, ILogger<HeldSendWorker> logger) : BackgroundService
{
    /// <summary>How long a claim holds a message against another worker (and against Undo).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>The longest sleep between passes (another node may have held a message).</summary>
    public static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(30);

    private const int Batch = 32;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            signal.Reset();
            try
            {
                if (await ReleaseDueAsync(stoppingToken).ConfigureAwait(false) >= Batch)
                    continue;
                var next = await store.NextDueAsync(stoppingToken).ConfigureAwait(false);
                var wait = next is { } due ? due - time.GetUtcNow() : IdlePoll;
                // Never a busy loop: a release time already past but not claimable (a live lease) waits a little.
                await signal.WaitAsync(wait < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : wait > IdlePoll ? IdlePoll : wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is StoreException or StoreUnavailableException)
            {
                // A store that is down (a database restart) is waited out: the held messages stay in it.
                logger.LogError(e, "Held-send pass failed");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One pass: claims every held message due now and releases each; returns how many were claimed.</summary>
    public async Task<int> ReleaseDueAsync(CancellationToken cancellationToken)
    {
        var due = await store.ClaimDueAsync(time.GetUtcNow(), Lease, Batch, cancellationToken).ConfigureAwait(false);
        foreach (var submission in due)
        {
            try
            {
                await compose.ReleaseAsync(submission, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StoreException or IOException or FormatException)
            {
                // The claim runs out and the message is tried again; nothing is lost.
                logger.LogError(e, "Could not release held message {Id} of account {AccountId}; retried after {Lease}", submission.Id, submission.AccountId, Lease);
            }
        }
        return due.Count;
    }
}
