using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Webmail.Resilience.Tests.Harness;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// Issue 19's faults on two nodes: one node killed with SIGKILL under an 8-sender SMTP load (every acknowledged message
/// present once, the other node serving throughout).
/// </summary>
public sealed class NodeKillTests
{
    private const string User = "ann@local.example";
    private const string Password = "correct horse";

    [Fact]
    public async Task ANodeKilledUnderSmtpLoadLosesNothingAcknowledgedAndTheOtherKeepsServing()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User, Password);
        var victim = new SenderFleet(nodes[0].SmtpPort, [User]);
        var survivor = new SenderFleet(nodes[1].SmtpPort, [User]);
        using var stopVictim = new CancellationTokenSource();
        using var stopSurvivor = new CancellationTokenSource();
        var victimLoad = victim.RunAsync(4, stopVictim.Token);
        var survivorLoad = survivor.RunAsync(4, stopSurvivor.Token);
        try
        {
            await WaitForAsync(() => victim.Acknowledged.Count >= 20 && survivor.Acknowledged.Count >= 20, TimeSpan.FromSeconds(60), "load before the kill");
            await Task.Delay(Random.Shared.Next(0, 50));
            await nodes[0].KillAsync();
            var atKill = survivor.Acknowledged.Count;
            await WaitForAsync(() => survivor.Acknowledged.Count >= atKill + 20, TimeSpan.FromSeconds(60), "the other node stopped serving");
        }
        finally
        {
            await stopVictim.CancelAsync();
            await stopSurvivor.CancelAsync();
            await Task.WhenAll(victimLoad, survivorLoad);
        }

        Assert.Empty(survivor.Refusals);
        Assert.Equal(0, survivor.ConnectionErrors);
        Assert.Empty(victim.Refusals);
        await AssertEachAcknowledgedOnceAsync(nodes[1], [victim, survivor]);
    }

    /// <summary>Every message a sender got a 250 for is in the inbox exactly once, and no message is there twice.</summary>
    internal static async Task AssertEachAcknowledgedOnceAsync(ServerProcess node, IEnumerable<SenderFleet> fleets)
    {
        using var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await imap.ConnectAsync("127.0.0.1", node.ImapPort, SecureSocketOptions.StartTls);
        await imap.AuthenticateAsync(User, Password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var stored = (await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(m => m.Envelope?.MessageId ?? "").ToList();
        await imap.DisconnectAsync(quit: true);

        var twice = stored.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, "stored more than once: " + string.Join(", ", twice.Take(10)));
        var missing = fleets.SelectMany(f => f.Acknowledged.Keys).Except(stored).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged messages missing: " + string.Join(", ", missing.Take(10)));
    }

    internal static async Task WaitForAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out: " + what);
            await Task.Delay(50);
        }
    }
}
