using System.Text;

namespace Webmail.Smtp.Tests;

/// <summary>What the server says about itself: its name, never the SMTP library or its version.</summary>
public sealed class GreetingTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GreetingNamesTheHostAndNoSoftwareVersion(bool submission)
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(submission ? fixture.Server.SubmissionPort : fixture.Server.SmtpPort, expectGreeting: false);

        Assert.Equal("220 mx.local.example ESMTP ready\r\n", await smtp.ReadReplyAsync());
    }

    [Fact]
    public async Task EhloReplyAndReceivedHeaderCarryNoSoftwareVersion()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        var ehlo = await smtp.ExpectAsync("EHLO client.remote.example", 250);
        Assert.StartsWith("250-mx.local.example Hello client.remote.example\r\n", ehlo);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        var subject = "version-" + Guid.NewGuid().ToString("N");
        SmtpTranscript.AssertReply(await smtp.DataAsync(Webmail.Testing.TestMessages.Simple(subject: subject)), 250);
        await smtp.ExpectAsync("QUIT", 221);

        var stored = Assert.Single(await fixture.InboxAsync(fixture.User, subject));
        var raw = Encoding.UTF8.GetString((await fixture.Server.Messages.GetRawAsync(fixture.User.Id, stored.Id, default))!);
        var received = raw[raw.IndexOf("Received: ", StringComparison.Ordinal)..raw.IndexOf("\r\nFrom: ", StringComparison.Ordinal)];
        var library = typeof(SmtpServer.SmtpServer).Assembly.GetName().Version!;
        foreach (var text in new[] { ehlo, received })
        {
            Assert.DoesNotContain(library.ToString(3), text);
            Assert.DoesNotContain("SmtpServer", text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
