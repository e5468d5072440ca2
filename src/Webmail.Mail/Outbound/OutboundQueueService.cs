using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Dkim;
using Webmail.Mail.Outbound.MtaSts;

namespace Webmail.Mail.Outbound;

/// <summary>
/// Works the durable outbound queue: routes each entry's domain, signs with DKIM, delivers with
/// <see cref="SmtpTransmitter"/>, and settles the result. An entry leaves the queue only once every
/// recipient got a remote 2xx or a bounce is committed with the removal (one transaction), so a
/// crash mid-delivery can at worst send a message twice, never zero times.
/// </summary>
public sealed class OutboundQueueService(
    IOutboundQueueStore queue,
    IDeliveryStore messages,
    IServerStateStore serverState,
    RouteResolver routes,
    SmtpTransmitter transmitter,
    MtaStsPolicyCache mtaSts,
    DkimMessageSigner signer,
    BounceComposer bounces,
    IOptionsMonitor<WebmailOptions> options,
    TimeProvider time,
    ILogger<OutboundQueueService> logger)
{
    /// <summary>RFC 5321 §6.3: a message with more Received headers than this is looping.</summary>
    public const int MaxReceivedHeaders = 30;

    private static readonly TimeSpan[] DefaultSchedule =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(60)];

    /// <summary>This process among the nodes sharing the queue: a new name each start, so a restarted node never renews a dead one's claims.</summary>
    public string NodeId { get; } = $"{Truncate(Environment.MachineName, 40)}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private TimeSpan Lease => options.CurrentValue.Delivery.ClaimLease > TimeSpan.Zero ? options.CurrentValue.Delivery.ClaimLease : TimeSpan.FromMinutes(2);
    private TaskCompletionSource _wake = NewSignal();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Tells the worker that entries are due now (new mail queued, an operator's retry).</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Re-arms the wake signal; the worker calls this before each pass so no wake-up is lost.</summary>
    public void ResetWake()
    {
        var current = Volatile.Read(ref _wake);
        if (current.Task.IsCompleted)
            Interlocked.CompareExchange(ref _wake, NewSignal(), current);
    }

    /// <summary>Waits until <see cref="Wake"/> is called or <paramref name="timeout"/> passes.</summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _wake).Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The poll interval passed: look for due entries anyway.
        }
    }

    /// <summary>Makes the entry due now and wakes the worker (admin queue page "Retry").</summary>
    public async Task RetryNowAsync(long entryId, CancellationToken cancellationToken)
    {
        await queue.RetryNowAsync(entryId, cancellationToken).ConfigureAwait(false);
        Wake();
    }

    /// <summary>
    /// Gives up on an entry at once (admin queue page "Bounce"): the sender gets a failure report for
    /// its remaining recipients, committed together with the entry's removal.
    /// </summary>
    /// <returns>False when the entry does not exist or is being delivered right now (on this node or another).</returns>
    public async Task<bool> BounceNowAsync(long entryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = await queue.TryClaimAsync(entryId, NodeId, now, now + Lease, cancellationToken).ConfigureAwait(false);
        if (entry is null)
            return false;
        var raw = await queue.GetMessageAsync(entry.MessageId, cancellationToken).ConfigureAwait(false) ?? [];
        var reason = "Delivery cancelled by the mail administrator" + (entry.LastError is null ? "." : $" (last error: {entry.LastError}).");
        var failed = entry.Recipients.Select(r => RecipientOutcome.PermanentFailure(r, reason, "5.0.0")).ToList();
        await SettleAsync(entry, raw, failed, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Attempts every entry that is due now, several at a time, claiming them in the store first so that nodes sharing
    /// one queue never attempt the same entry at once. Claims are renewed while their deliveries run; those not
    /// settled (shutting down) are released for another node.
    /// </summary>
    /// <returns>How many entries were attempted.</returns>
    public async Task<int> ProcessDueAsync(CancellationToken cancellationToken)
    {
        var parallel = Math.Max(1, options.CurrentValue.Delivery.MaxConcurrentDeliveries);
        // A small batch per claim, so the entries a node holds are those it is about to deliver and other nodes share the rest.
        var batch = parallel * 2;
        var attempted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var claimed = await queue.ClaimDueAsync(NodeId, now, now + Lease, batch, cancellationToken).ConfigureAwait(false);
            if (claimed.Count == 0)
                break;
            await DeliverClaimedAsync(claimed, parallel, cancellationToken).ConfigureAwait(false);
            attempted += claimed.Count;
            if (claimed.Count < batch)
                break;
        }
        var (length, oldest) = await queue.GetBacklogAsync(cancellationToken).ConfigureAwait(false);
        WebmailMeter.ReportQueue(length, oldest is { } at ? time.GetUtcNow() - at : TimeSpan.Zero);
        return attempted;
    }

    private async Task DeliverClaimedAsync(IReadOnlyList<QueueEntry> claimed, int parallel, CancellationToken cancellationToken)
    {
        var held = new ConcurrentDictionary<long, byte>(claimed.Select(e => KeyValuePair.Create(e.Id, (byte)0)));
        using var stopRenewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewWhileHeldAsync(held, stopRenewing.Token);
        try
        {
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (entry, token) =>
            {
                try
                {
                    await DeliverEntryAsync(entry, token).ConfigureAwait(false);
                    held.TryRemove(entry.Id, out _);
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // A bug or a store failure on one entry must not stop the others; it stays queued and is retried later.
                    logger.LogError(e, "Queue entry {EntryId} could not be processed", entry.Id);
                    if (await TryPostponeAsync(entry, e.Message, token).ConfigureAwait(false))
                        held.TryRemove(entry.Id, out _);
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            // Claimed but never settled (shutting down, or the store failed): another node may have them now, not after the lease.
            foreach (var id in held.Keys)
                await TryReleaseAsync(id).ConfigureAwait(false);
        }
    }

    /// <summary>Renews the leases on <paramref name="held"/> every third of a lease until stopped.</summary>
    private async Task RenewWhileHeldAsync(ConcurrentDictionary<long, byte> held, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Lease / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    var ids = held.Keys.ToList();
                    var renewed = await queue.RenewLeasesAsync(ids, NodeId, time.GetUtcNow() + Lease, cancellationToken).ConfigureAwait(false);
                    if (renewed < ids.Count)
                        logger.LogDebug("Renewed {Renewed} of {Held} queue claims; the others were settled meanwhile", renewed, ids.Count);
                }
                catch (Exception e) when (e is StoreException or StoreUnavailableException)
                {
                    // The store is briefly away: the next tick tries again while the lease still holds.
                    logger.LogWarning(e, "Queue claims could not be renewed");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The pass ended.
        }
    }

    private async Task TryReleaseAsync(long entryId)
    {
        try
        {
            await queue.ReleaseAsync(entryId, NodeId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StoreException or StoreUnavailableException)
        {
            logger.LogWarning(e, "Queue entry {EntryId}: claim not released; it ends with its lease", entryId);
        }
    }

    private async Task DeliverEntryAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        var raw = await queue.GetMessageAsync(entry.MessageId, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            await queue.CompleteAsync(entry.Id, null, cancellationToken).ConfigureAwait(false);
            return;
        }
        var outcomes = await AttemptAsync(entry, raw, cancellationToken).ConfigureAwait(false);
        // Once the remote has answered, record it even when shutting down: an unrecorded 2xx means a duplicate later.
        await SettleAsync(entry, raw, outcomes, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<RecipientOutcome>> AttemptAsync(QueueEntry entry, byte[] raw, CancellationToken cancellationToken)
    {
        MimeMessage message;
        using (var stream = new MemoryStream(raw, writable: false))
            message = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);

        if (message.Headers.Count(h => h.Id == HeaderId.Received) > MaxReceivedHeaders)
            return AllRecipients(entry, r => RecipientOutcome.PermanentFailure(r,
                $"Too many Received headers (more than {MaxReceivedHeaders}): the message is looping.", "5.4.6"));

        RoutePlan plan;
        try
        {
            plan = await routes.ResolveAsync(entry.Domain, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsLookupException e)
        {
            return AllRecipients(entry, r => RecipientOutcome.TemporaryFailure(r, e.Message, "4.4.3"));
        }
        if (plan.PermanentError is { } error)
            return AllRecipients(entry, r => RecipientOutcome.PermanentFailure(r, error, plan.PermanentStatus));

        var policy = plan.FromMx ? await mtaSts.GetAsync(entry.Domain, cancellationToken).ConfigureAwait(false) : null;
        var mode = policy?.Mode ?? MtaStsMode.None;
        var targets = plan.Targets;
        if (policy is not null && mode != MtaStsMode.None)
        {
            // RFC 8461 §4.1: only MX hosts the policy names; under testing the others are logged and used anyway.
            var refused = targets.Where(t => !policy.Allows(t.Host)).ToList();
            foreach (var target in refused)
            {
                logger.LogWarning("MTA-STS policy ({Mode}) of {Domain} does not allow MX {Host}{Action}", mode, entry.Domain, target.Host,
                    mode == MtaStsMode.Enforce ? "; not used" : "; used anyway");
                WebmailMeter.MtaStsFailures.Add(1, new KeyValuePair<string, object?>("mode", mode == MtaStsMode.Enforce ? "enforce" : "testing"));
            }
            if (mode == MtaStsMode.Enforce)
                targets = targets.Except(refused).ToList();
            if (targets.Count == 0)
            {
                var reason = $"MTA-STS policy (enforce) of {entry.Domain} allows none of its MX hosts ({string.Join(", ", refused.Select(t => t.Host))}; policy mx: {string.Join(", ", policy.MxPatterns)})";
                return AllRecipients(entry, r => RecipientOutcome.TemporaryFailure(r, Truncate(reason, 500), "4.7.5"));
            }
        }

        await signer.SignAsync(message, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<RecipientOutcome> outcomes = [];
        foreach (var target in targets)
        {
            bool tryNext;
            (outcomes, tryNext) = await transmitter.TransmitAsync(target, message, entry.MailFrom, entry.Recipients, mode, cancellationToken).ConfigureAwait(false);
            if (!tryNext)
                break;
        }
        return outcomes;
    }

    private static List<RecipientOutcome> AllRecipients(QueueEntry entry, Func<string, RecipientOutcome> outcome) =>
        entry.Recipients.Select(outcome).ToList();

    /// <summary>Turns one attempt's outcomes into queue changes, bounces, warnings and counters.</summary>
    private async Task SettleAsync(QueueEntry entry, byte[] raw, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken)
    {
        var delivery = options.CurrentValue.Delivery;
        var now = time.GetUtcNow();
        var age = now - entry.CreatedAt;
        var delivered = outcomes.Where(o => o.State == RecipientState.Delivered).ToList();
        var failed = outcomes.Where(o => o.State == RecipientState.Permanent).ToList();
        var pending = outcomes.Where(o => o.State == RecipientState.Temporary).ToList();
        foreach (var outcome in delivered)
            logger.LogInformation("Delivered queue entry {EntryId} to {Recipient} via {RemoteHost}: {Reply}", entry.Id, outcome.Recipient, outcome.RemoteHost, outcome.Describe());

        if (pending.Count > 0 && age >= delivery.MaxQueueLifetime)
        {
            // Expired: what was temporary becomes final (RFC 3463 4.4.7, delivery time expired).
            failed.AddRange(pending.Select(o => o with { State = RecipientState.Permanent, Status = "4.4.7", Detail = $"Gave up after {FormatAge(age)}; last error: {o.Detail}" }));
            pending.Clear();
        }
        foreach (var outcome in failed)
            logger.LogWarning("Queue entry {EntryId} failed for {Recipient}: {Reason}", entry.Id, outcome.Recipient, outcome.Describe());
        WebmailMeter.QueueAttempts.Add(delivered.Count, new KeyValuePair<string, object?>("outcome", "delivered"));
        WebmailMeter.QueueAttempts.Add(pending.Count, new KeyValuePair<string, object?>("outcome", "deferred"));
        WebmailMeter.QueueAttempts.Add(failed.Count, new KeyValuePair<string, object?>("outcome", "failed"));

        if (pending.Count == 0)
        {
            var bounce = failed.Count > 0 ? await bounces.ComposeAsync(entry, raw, failed, delayed: false, now, cancellationToken).ConfigureAwait(false) : null;
            if (bounce is not null)
                WebmailMeter.QueueBounces.Add(1);
            // The bounce and the removal commit in one transaction.
            await queue.CompleteAsync(entry.Id, bounce, cancellationToken).ConfigureAwait(false);
            if (bounce?.Outbound is not null)
                Wake();
        }
        else
        {
            if (failed.Count > 0 && await bounces.ComposeAsync(entry, raw, failed, delayed: false, now, cancellationToken).ConfigureAwait(false) is { } bounce)
            {
                WebmailMeter.QueueBounces.Add(1);
                // Bounce first, then drop the refused recipients: a crash in between repeats the bounce, never loses it.
                await CommitReportAsync(bounce, cancellationToken).ConfigureAwait(false);
            }
            var schedule = delivery.RetrySchedule.Count > 0 ? delivery.RetrySchedule : (IReadOnlyList<TimeSpan>)DefaultSchedule;
            var next = now + schedule[Math.Min(entry.Attempts, schedule.Count - 1)];
            var error = Truncate(string.Join("; ", pending.Select(o => o.Describe()).Distinct()), 1000);
            await queue.RecordAttemptAsync(entry.Id, pending.Select(o => o.Recipient).ToList(), next, error, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Queue entry {EntryId} deferred until {NextAttempt}: {Error}", entry.Id, next, error);

            if (!entry.WarningSent && age >= delivery.WarnAfter
                && await bounces.ComposeAsync(entry, raw, pending, delayed: true, now, cancellationToken).ConfigureAwait(false) is { } warning)
            {
                await CommitReportAsync(warning, cancellationToken).ConfigureAwait(false);
                await queue.MarkWarningSentAsync(entry.Id, cancellationToken).ConfigureAwait(false);
            }
        }

        if (delivered.Count > 0)
            await serverState.RecordMailEventAsync(MailEventKind.Sent, delivered.Count, cancellationToken).ConfigureAwait(false);
        if (failed.Count > 0)
            await serverState.RecordMailEventAsync(MailEventKind.Bounced, failed.Count, cancellationToken).ConfigureAwait(false);
    }

    private async Task CommitReportAsync(DeliveryRequest report, CancellationToken cancellationToken)
    {
        var receipt = await messages.DeliverAsync(report, cancellationToken).ConfigureAwait(false);
        if (receipt.QueueEntryIds.Count > 0)
            Wake();
    }

    /// <returns>False when the postponement could not be recorded either.</returns>
    private async Task<bool> TryPostponeAsync(QueueEntry entry, string error, CancellationToken cancellationToken)
    {
        try
        {
            var next = time.GetUtcNow() + TimeSpan.FromMinutes(5);
            await queue.RecordAttemptAsync(entry.Id, entry.Recipients, next, Truncate("internal error: " + error, 1000), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is StoreException or StoreUnavailableException or InvalidOperationException or System.Data.Common.DbException or OperationCanceledException)
        {
            logger.LogError(e, "Queue entry {EntryId} could not be postponed", entry.Id);
            return false;
        }
    }

    private static string FormatAge(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{age.TotalDays:0.#} days" : age.TotalHours >= 1 ? $"{age.TotalHours:0.#} hours" : $"{age.TotalMinutes:0.#} minutes";

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
