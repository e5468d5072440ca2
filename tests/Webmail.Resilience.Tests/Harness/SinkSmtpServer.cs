using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// The "remote" end of outbound tests: a minimal SMTP server on 127.0.0.1 that accepts every
/// transaction and records, per recipient, each message (by its Message-ID) it took. A message is
/// recorded at the final dot, before the 250 goes out: from then on the remote holds it, and a
/// sender that never reads the 250 (killed) will send it again — SMTP's at-least-once model, which
/// shows up here as a count above one.
/// </summary>
public sealed class SinkSmtpServer : IAsyncDisposable
{
    private readonly LoopbackListener _listener;
    private readonly ConcurrentDictionary<(string MessageId, string Recipient), int> _received = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly int _maxReplyDelayMs;
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _stallMessageId;
    private int _transactions;

    /// <param name="maxReplyDelayMs">Each 250 after DATA waits a random 0..this many milliseconds, widening the window in which a kill leaves a delivered entry in the queue.</param>
    public SinkSmtpServer(int maxReplyDelayMs = 0)
    {
        _maxReplyDelayMs = maxReplyDelayMs;
        _listener = new LoopbackListener((client, stop) =>
        {
            var session = SessionAsync(client, stop);
            _sessions.Add(session);
            return session;
        });
    }

    /// <summary><c>127.0.0.1:port</c>, for <c>Webmail:Delivery:Routes</c>.</summary>
    public string Endpoint => $"127.0.0.1:{_listener.Port}";

    /// <summary>(Message-ID without brackets, recipient in lower case) → how many times it was taken.</summary>
    public IReadOnlyDictionary<(string MessageId, string Recipient), int> Received => _received;

    /// <summary>Transactions completed with a final dot.</summary>
    public int Transactions => Volatile.Read(ref _transactions);

    /// <summary>
    /// Holds the next transaction that carries Message-ID <paramref name="messageId"/> at its final dot: no reply, not
    /// recorded, until the sink is disposed (a delivery that runs long, or a sender killed mid-delivery). Later
    /// transactions with that Message-ID are taken as usual.
    /// </summary>
    /// <returns>A task that completes once such a transaction is being held.</returns>
    public Task StallNext(string messageId)
    {
        Volatile.Write(ref _stallMessageId, messageId);
        return _stalled.Task;
    }

    public async ValueTask DisposeAsync()
    {
        // The listener cancels every session's token; each ends at its next read or wait.
        await _listener.DisposeAsync();
        await Task.WhenAll(_sessions).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task SessionAsync(TcpClient client, CancellationToken stop)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1);
        await using var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
        var recipients = new List<string>();
        var random = new Random();
        try
        {
            await writer.WriteLineAsync("220 sink.test ESMTP");
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-sink.test\r\n250 8BITMIME");
                        break;
                    case "MAIL":
                    case "RSET":
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.1.0 Ok");
                        break;
                    case "RCPT":
                        var start = line.IndexOf('<');
                        var end = line.IndexOf('>');
                        recipients.Add(start >= 0 && end > start ? line[(start + 1)..end].ToLowerInvariant() : line);
                        await writer.WriteLineAsync("250 2.1.5 Ok");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        string? messageId = null;
                        var inHeader = true;
                        while (await reader.ReadLineAsync(stop) is { } data && data != ".")
                        {
                            if (data.Length == 0)
                                inHeader = false;
                            else if (inHeader && messageId is null && data.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
                                messageId = data["Message-ID:".Length..].Trim().Trim('<', '>');
                        }
                        var stall = Volatile.Read(ref _stallMessageId);
                        if (stall is not null && stall == messageId && Interlocked.CompareExchange(ref _stallMessageId, null, stall) == stall)
                        {
                            _stalled.TrySetResult();
                            await Task.Delay(Timeout.Infinite, stop);
                        }
                        foreach (var recipient in recipients)
                            _received.AddOrUpdate((messageId ?? "(none)", recipient), 1, (_, n) => n + 1);
                        Interlocked.Increment(ref _transactions);
                        recipients.Clear();
                        if (_maxReplyDelayMs > 0)
                            await Task.Delay(random.Next(_maxReplyDelayMs + 1), stop);
                        await writer.WriteLineAsync("250 2.0.0 Ok: queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 Ok");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The sender was killed mid-session, or the sink is stopping.
        }
    }
}
