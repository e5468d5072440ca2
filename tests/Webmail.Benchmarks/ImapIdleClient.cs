using System.Diagnostics;

namespace Webmail.Benchmarks;

/// <summary>
/// A session in IDLE on INBOX (RFC 2177), as a desktop client keeps one open: it applies what the
/// server pushes (EXISTS, VANISHED, FETCH of flags) to its model, and after an EXISTS it leaves
/// IDLE once, at most <see cref="CatchUpDelay"/> later, to fetch the new messages' UIDs, flags and
/// envelopes (the Message-ID), then idles again. It remembers every Message-ID it was ever told of,
/// for the check that every delivered message reached every IDLE session of its account.
/// </summary>
internal sealed class ImapIdleClient : ImapLoadClient
{
    /// <summary>How long after the first EXISTS the client leaves IDLE to fetch what came (one FETCH for a burst).</summary>
    private static readonly TimeSpan CatchUpDelay = TimeSpan.FromSeconds(2);

    /// <summary>IDLE is renewed before the server's autologout (30 minutes, RFC 9051 §5.4) even without mail.</summary>
    private static readonly TimeSpan LongestIdle = TimeSpan.FromMinutes(20);

    private readonly HashSet<string> _everSeen = [];

    /// <summary>EXISTS counts heard since the last catch-up and when (to time SMTP 250 → EXISTS).</summary>
    private readonly List<(int Exists, long At)> _notices = [];

    /// <summary>Messages added since the last catch-up in IDLE.</summary>
    private List<ModelMessage> _added = [];

    public ImapIdleClient(ImapLoadRun run, AccountLedger account, int number) : base(run, account, number, "idle")
    {
        Model.MessageIdLearnt = message =>
        {
            if (_everSeen.Add(message.MessageId!))
                Account.SeenByIdleSession(message.MessageId!);
        };
    }

    /// <summary>True when the session was ever told of the message (a FETCH of its envelope).</summary>
    public bool HasSeen(string messageId)
    {
        lock (Model)
            return _everSeen.Contains(messageId);
    }

    /// <summary>Keeps the session in IDLE until <paramref name="stop"/>; reconnects (resynchronising) after a failure.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var epoch = Run.Control.Epoch;
            try
            {
                if (NeedsConnection)
                {
                    await ConnectAsync(stop);
                    TimeNotices(measure: false);
                }
                if (Run.Control.Round > AnsweredRound)
                    await AnswerAsync(Run.Control.Round, stop);
                await IdleAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                await DropAsync();
                if (Run.Control.Interrupted(epoch))
                {
                    ImapLoadStats.Count(Run.Stats.Interrupted, "IMAP session in IDLE cut off");
                    await WaitQuietlyAsync(Run.Control.WaitUpAsync(stop));
                }
                else
                {
                    Run.Stats.Failures.Record("imap idle", e);
                    await WaitQuietlyAsync(Task.Delay(TimeSpan.FromSeconds(1), stop));
                }
            }
        }
        await DropAsync();
    }

    /// <summary>A round: the model is brought up to date (reconnecting after a kill) and the client reports.</summary>
    public override async Task AnswerAsync(int round, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        ResyncFailure = null;
        try
        {
            if (NeedsConnection)
            {
                await Run.Control.WaitUpAsync(cancellationToken);
                await ConnectAsync(cancellationToken);
            }
            else
            {
                await CatchUpAsync(cancellationToken);
            }
            LastResyncMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            TimeNotices(measure: false);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            ResyncFailure = e.Message;
            await DropAsync();
        }
        AnsweredRound = round;
        Run.Control.Report(round);
    }

    /// <summary>One IDLE: until new mail is due to be fetched, a round starts, the longest IDLE passes or the run stops.</summary>
    private async Task IdleAsync(CancellationToken stop)
    {
        var connection = Connection!;
        using (var start = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            start.CancelAfter(ImapLoadRun.CommandTimeout);
            Apply(await connection.StartIdleAsync(start.Token));
        }
        var round = AnsweredRound;
        var deadline = Stopwatch.GetTimestamp() + (long)(LongestIdle.TotalSeconds * Stopwatch.Frequency);
        var catchUpDue = false;
        while (Run.Control.Round == round && Stopwatch.GetTimestamp() < deadline)
        {
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop, Run.Control.ChangedToken);
            wake.CancelAfter(TimeSpan.FromSeconds(Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency)));
            string response;
            try
            {
                response = await connection.NextAsync(wake.Token);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                continue;
            }
            Apply([response]);
            bool needed;
            lock (Model)
                needed = Model.NeedsCatchUp;
            if (needed && !catchUpDue)
            {
                catchUpDue = true;
                deadline = Math.Min(deadline, Stopwatch.GetTimestamp() + (long)(CatchUpDelay.TotalSeconds * Stopwatch.Frequency));
            }
        }
        var done = await TimedAsync("DONE (end of IDLE)", timeout => connection.DoneAsync(timeout), stop);
        if (!done.IsOk)
            Run.Stats.Failures.RecordError($"IMAP IDLE: {Shorten(done.Status)}");
        await CatchUpAsync(stop);
        TimeNotices(measure: true);
        Interlocked.Increment(ref Run.Stats.IdleCatchUps);
    }

    protected override void Applied(string response)
    {
        if (response.EndsWith(" EXISTS", StringComparison.Ordinal))
            _notices.Add((Model.Exists, Stopwatch.GetTimestamp()));
    }

    protected override void Added(List<ModelMessage> messages)
    {
        lock (Model)
            _added.AddRange(messages);
    }

    /// <summary>
    /// SMTP 250 → EXISTS for the messages this catch-up added: the new messages hold the highest sequence
    /// numbers, and the first EXISTS at least as high as a message's number announced it. Not measured
    /// after a (re)connect, whose SELECT announces old messages.
    /// </summary>
    private void TimeNotices(bool measure)
    {
        List<ModelMessage> added;
        List<(int Exists, long At)> notices;
        int count;
        lock (Model)
        {
            (added, _added) = (_added, []);
            notices = [.. _notices];
            _notices.Clear();
            count = Model.Messages.Count;
        }
        if (!measure)
            return;
        for (var i = 0; i < added.Count; i++)
        {
            var sequence = count - added.Count + i + 1;
            if (added[i].MessageId is not { } id || !Account.Delivered.TryGetValue(id, out var accepted))
                continue;
            foreach (var (exists, at) in notices)
            {
                if (exists >= sequence)
                {
                    Run.Stats.IdleNoticeMs.Enqueue((at - accepted) * 1000.0 / Stopwatch.Frequency);
                    break;
                }
            }
        }
    }

    private static async Task WaitQuietlyAsync(Task wait)
    {
        try
        {
            await wait;
        }
        catch (OperationCanceledException)
        {
            // The run is stopping; the loop ends at its next check.
        }
    }
}
