using MailKit.Net.Pop3;
using MailKit.Security;
using Webmail.Resilience.Tests.Harness;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>Two Webmail nodes on one PostgreSQL store behave as one server (issue 19, several nodes).</summary>
public sealed class TwoNodeTests
{
    private const string User = "ann@local.example";

    [Fact]
    public async Task MailTakenOnOneNodeIsServedByTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);

        var fleet = new SenderFleet(nodes[0].SmtpPort, [User]);
        await fleet.RunAsync(1, CancellationToken.None, maxPerSender: 3);
        Assert.Equal(3, fleet.Acknowledged.Count);

        using var pop3 = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await pop3.ConnectAsync("127.0.0.1", nodes[1].Pop3Port, SecureSocketOptions.StartTls);
        await pop3.AuthenticateAsync(User, "correct horse");
        Assert.Equal(3, pop3.Count);
        var ids = new HashSet<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await pop3.GetMessageHeadersAsync(i))[MimeKit.HeaderId.MessageId]!.Trim().Trim('<', '>'));
        Assert.Equal(fleet.Acknowledged.Keys.ToHashSet(), ids);
        await pop3.DisconnectAsync(quit: true);
    }
}
