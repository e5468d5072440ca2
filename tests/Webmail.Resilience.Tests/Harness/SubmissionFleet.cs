using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// Concurrent authenticated senders on the submission port, one per local account, each sending
/// to remote recipients (so every message goes through the outbound queue). Every message carries
/// a unique Message-ID; the ones answered 250 are recorded with their recipients.
/// </summary>
public sealed class SubmissionFleet(int port, IReadOnlyList<string> accounts, IReadOnlyList<string> remoteRecipients, string password = "correct horse")
{
    private readonly ConcurrentDictionary<string, (string From, string[] To)> _acknowledged = new();
    private readonly ConcurrentDictionary<int, int> _refusals = new();
    private int _connectionErrors;

    /// <summary>Message-ID → sender and recipients of every message answered 250.</summary>
    public IReadOnlyDictionary<string, (string From, string[] To)> Acknowledged => _acknowledged;

    /// <summary>Reply code → count of refused transactions or logins.</summary>
    public IReadOnlyDictionary<int, int> Refusals => _refusals;

    /// <summary>Connections that failed or broke (expected while the server is killed).</summary>
    public int ConnectionErrors => _connectionErrors;

    /// <summary>Runs one sender per account until <paramref name="stop"/> fires (checked between messages).</summary>
    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(accounts.Select((account, i) => Task.Run(() => SendLoopAsync(i, account, stop))));

    private async Task SendLoopAsync(int sender, string account, CancellationToken stop)
    {
        var random = new Random();
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            try
            {
                await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, CancellationToken.None);
                await client.AuthenticateAsync(account, password, CancellationToken.None);
                while (!stop.IsCancellationRequested)
                {
                    var id = $"{Guid.NewGuid():N}.out{sender}@resilience.test";
                    // One or two recipients, sometimes in two remote domains (two queue entries for one message).
                    var to = remoteRecipients.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToArray();
                    var message = new MimeMessage();
                    message.From.Add(MailboxAddress.Parse(account));
                    foreach (var recipient in to)
                        message.To.Add(MailboxAddress.Parse(recipient));
                    message.Subject = $"outbound {sent}";
                    message.MessageId = id;
                    message.Body = new TextPart("plain") { Text = $"Message {sent} from {account}.\r\n.A line with a leading dot.\r\n" };
                    sent++;
                    try
                    {
                        // Not cancellable once started: a cancelled DATA would be an ambiguous outcome.
                        await client.SendAsync(message, CancellationToken.None);
                        _acknowledged[id] = (account, to);
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
            catch (AuthenticationException)
            {
                _refusals.AddOrUpdate(535, 1, (_, n) => n + 1);
                await Task.Delay(100, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException or OperationCanceledException)
            {
                Interlocked.Increment(ref _connectionErrors);
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }
}
