using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// SMTP delivery on the inbound port at a steady rate, open loop: a pacer issues tickets at
/// <c>rate</c> per second (round-robin over the accounts) and a pool of sender connections takes
/// them, so a slow server shows as lag behind the schedule instead of a lower offered rate. When
/// more than two seconds' worth wait, the pacer skips (counted) rather than queueing without bound.
/// Each message has its own Message-ID and subject word, recorded in its account's ledger at the 250.
/// </summary>
internal sealed class PacedSmtpLoad(ImapLoadRun run, double rate, int connections)
{
    private const int MessagesPerConnection = 100;
    private static readonly TimeSpan TransactionTimeout = TimeSpan.FromMinutes(2);
    private static readonly string Body = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog, again and again and again.\n", 24));
    private readonly Channel<(long Sequence, long Scheduled)> _tickets = Channel.CreateUnbounded<(long, long)>();
    private long _issued;
    private long _taken;

    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(() => SendLoopAsync(stop))).Append(Task.Run(() => PaceAsync(stop))));

    private async Task PaceAsync(CancellationToken stop)
    {
        var sequence = 0L;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Wait for the gate without holding it; the schedule starts afresh after every pause.
                (await run.Control.EnterAsync(null, stop)).Dispose();
                var start = Stopwatch.GetTimestamp();
                var issued = 0L;
                while (run.Control.IsOpen)
                {
                    await Task.Delay(20, stop);
                    var due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate);
                    for (; issued < due; issued++)
                    {
                        if (Volatile.Read(ref _issued) - Volatile.Read(ref _taken) > 2 * rate)
                        {
                            Interlocked.Increment(ref run.Stats.SmtpSkipped);
                            continue;
                        }
                        Interlocked.Increment(ref _issued);
                        _tickets.Writer.TryWrite((sequence++, Stopwatch.GetTimestamp()));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task SendLoopAsync(CancellationToken stop)
    {
        SmtpLoadClient? client = null;
        var clientEpoch = -1;
        var sent = 0;
        while (true)
        {
            (long Sequence, long Scheduled) ticket;
            IDisposable busy;
            try
            {
                ticket = await _tickets.Reader.ReadAsync(stop);
                Interlocked.Increment(ref _taken);
                busy = await run.Control.EnterAsync(null, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var account = run.Accounts[ticket.Sequence % run.Accounts.Length];
            var id = $"s{account.Index}.{ticket.Sequence}";
            var epoch = run.Control.Epoch;
            try
            {
                using (busy)
                {
                    using var timeout = new CancellationTokenSource(TransactionTimeout);
                    if (client is null || clientEpoch != epoch || sent >= MessagesPerConnection)
                    {
                        if (client is not null)
                            await client.DisposeAsync();
                        client = null;
                        client = await SmtpLoadClient.ConnectAsync(run.Control.Server.SmtpPort, timeout.Token);
                        (clientEpoch, sent) = (epoch, 0);
                    }
                    var message = SmtpLoadClient.WithFinalDot(TestMessages.Simple(from: "load@remote.example", to: account.User,
                        subject: $"load {AccountLedger.Token(id)}", body: Body, messageId: id + "@bench.example"));
                    account.SmtpUncertain[id] = 0;
                    var started = Stopwatch.GetTimestamp();
                    await client.SendAsync("load@remote.example", account.User, message, timeout.Token);
                    account.SmtpAccepted(id);
                    sent++;
                    var stats = run.Stats;
                    stats.SmtpLatenciesMs.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    // A message scheduled before a pause counts from the reopening, not through the restart.
                    stats.SmtpScheduleLagMs.Enqueue(Stopwatch.GetElapsedTime(Math.Max(ticket.Scheduled, run.Control.OpenedAt)).TotalMilliseconds);
                    Interlocked.Increment(ref stats.SmtpDelivered);
                }
            }
            catch (Exception e) when (e is ReplyException or IOException or SocketException or OperationCanceledException)
            {
                if (client is not null)
                    await client.DisposeAsync();
                client = null;
                if (run.Control.Interrupted(epoch))
                    ImapLoadStats.Count(run.Stats.Interrupted, "SMTP transaction cut off");
                else if (e is OperationCanceledException)
                    run.Stats.Failures.RecordError($"smtp: no answer within {TransactionTimeout.TotalMinutes:F0} minutes");
                else
                    run.Stats.Failures.Record("smtp", e);
            }
        }
        if (client is not null)
            await client.DisposeAsync();
    }

    /// <summary>Messages scheduled but not yet taken by a sender.</summary>
    public long Backlog => Volatile.Read(ref _issued) - Volatile.Read(ref _taken);
}
