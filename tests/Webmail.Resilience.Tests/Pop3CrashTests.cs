using MailKit.Net.Pop3;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// RFC 1939 §6: DELE only marks; messages are removed in the UPDATE state, entered by QUIT. A kill -9
/// with deletions pending removes nothing; deletions confirmed by QUIT's +OK stay deleted after a kill.
/// </summary>
public sealed class Pop3CrashTests
{
    private const string User = "ann@local.example";

    [Fact]
    public async Task SigkillWithDelePendingDeletesNothingAndQuitDeletionsNeverReappear()
    {
        using var dir = new TempDirectory("webmail-pop3-kill");
        await CrashRound.PrepareAsync(dir.Path);
        IReadOnlyDictionary<string, string> delivered;

        // Ten messages, then a POP3 session that marks five and is killed before QUIT.
        await using (var server = await ServerProcess.StartAsync(dir.Path))
        {
            var fleet = new SenderFleet(server.SmtpPort, [User]);
            await fleet.RunAsync(1, CancellationToken.None, maxPerSender: 10);
            Assert.Equal(10, fleet.Acknowledged.Count);
            delivered = fleet.Acknowledged;

            using var pop3 = await SignInAsync(server.Pop3Port);
            Assert.Equal(10, pop3.Count);
            await pop3.DeleteMessagesAsync(0, 5);
            await server.KillAsync();
        }
        var problems = CrashRound.Verify(dir.Path, delivered);
        Assert.True(problems.Count == 0, "pending DELE removed messages at the kill:\n" + string.Join("\n", problems));

        // Again, this time QUIT is answered +OK before the kill: those five are gone for good.
        HashSet<string> deleted;
        await using (var server = await ServerProcess.StartAsync(dir.Path))
        {
            using var pop3 = await SignInAsync(server.Pop3Port);
            Assert.Equal(10, pop3.Count);
            deleted = [];
            for (var i = 0; i < 5; i++)
                deleted.Add((await pop3.GetMessageHeadersAsync(i))[MimeKit.HeaderId.MessageId]!.Trim().Trim('<', '>'));
            await pop3.DeleteMessagesAsync(0, 5);
            await pop3.DisconnectAsync(quit: true);
            await server.KillAsync();
        }
        var kept = delivered.Where(d => !deleted.Contains(d.Key)).ToDictionary();
        Assert.Equal(5, kept.Count);
        problems = CrashRound.Verify(dir.Path, kept);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        using (var store = new StoreInspection(dir.Path))
            Assert.DoesNotContain(store.MessagesById().Keys, deleted.Contains);

        await using (var server = await ServerProcess.StartAsync(dir.Path))
        {
            using var pop3 = await SignInAsync(server.Pop3Port);
            Assert.Equal(5, pop3.Count);
            await pop3.DisconnectAsync(quit: true);
        }
    }

    private static async Task<Pop3Client> SignInAsync(int port)
    {
        var pop3 = new Pop3Client { Timeout = 30_000 };
        await pop3.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await pop3.AuthenticateAsync(User, "correct horse");
        return pop3;
    }
}
