using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// Concurrent SMTP senders (MailKit) delivering to local users. Every message carries a unique
/// Message-ID; the ones the server answered 250 to are recorded as acknowledged, refusals by reply
/// code, so a test can check afterwards that nothing acknowledged was lost.
/// </summary>
public sealed class SenderFleet(int port, IReadOnlyList<string> recipients, int bodySize = 2048)
{
    private readonly ConcurrentDictionary<string, string> _acknowledged = new();
    private readonly ConcurrentDictionary<int, int> _refusals = new();
    private readonly ConcurrentQueue<double> _latenciesMs = new();
    private int _connectionErrors;

    /// <summary>Message-ID → recipient of every message answered 250.</summary>
    public IReadOnlyDictionary<string, string> Acknowledged => _acknowledged;

    /// <summary>Reply code → count of refused transactions (4xx/5xx after MAIL, RCPT or DATA).</summary>
    public IReadOnlyDictionary<int, int> Refusals => _refusals;

    /// <summary>Connections that failed or broke (expected while the server is killed).</summary>
    public int ConnectionErrors => _connectionErrors;

    /// <summary>Milliseconds from MAIL FROM to the 250 after DATA, for each acknowledged message.</summary>
    public IReadOnlyCollection<double> LatenciesMs => _latenciesMs;

    /// <summary>Runs <paramref name="senders"/> sessions until <paramref name="stop"/> fires (checked between messages) or each sent <paramref name="maxPerSender"/>.</summary>
    public Task RunAsync(int senders, CancellationToken stop, int maxPerSender = int.MaxValue) =>
        Task.WhenAll(Enumerable.Range(0, senders).Select(i => Task.Run(() => SendLoopAsync(i, maxPerSender, stop))));

    private async Task SendLoopAsync(int sender, int maxPerSender, CancellationToken stop)
    {
        var sent = 0;
        var body = new string('x', Math.Max(0, bodySize - 400)).Chunk(76).Select(c => new string(c)).ToArray();
        while (!stop.IsCancellationRequested && sent < maxPerSender)
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            try
            {
                await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None, CancellationToken.None);
                while (!stop.IsCancellationRequested && sent < maxPerSender)
                {
                    var id = $"{Guid.NewGuid():N}.{sender}@resilience.test";
                    var to = recipients[(sender + sent) % recipients.Count];
                    var message = new MimeMessage();
                    message.From.Add(MailboxAddress.Parse($"sender{sender}@remote.example"));
                    message.To.Add(MailboxAddress.Parse(to));
                    message.Subject = "resilience " + id;
                    message.MessageId = id;
                    message.Body = new TextPart("plain") { Text = string.Join("\r\n", body) };
                    sent++;
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        // Not cancellable once started: a cancelled DATA would be an ambiguous outcome.
                        await client.SendAsync(message, CancellationToken.None);
                        _acknowledged[id] = to;
                        _latenciesMs.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    catch (SmtpCommandException e)
                    {
                        _refusals.AddOrUpdate((int)e.StatusCode, 1, (_, n) => n + 1);
                        if (!client.IsConnected)
                            break;
                    }
                }
                if (client.IsConnected)
                    await client.DisconnectAsync(true, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException or OperationCanceledException)
            {
                Interlocked.Increment(ref _connectionErrors);
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }
}
