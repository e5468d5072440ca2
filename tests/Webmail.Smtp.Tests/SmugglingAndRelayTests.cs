using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>SMTP smuggling (bare CR/LF end-of-data variants) and the open-relay matrix.</summary>
public sealed class SmugglingAndRelayTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r\n")]
    [InlineData("\r\n.\r")]
    public async Task SmuggledSecondMessageIsNeitherExecutedNorStored(string fakeEnd)
    {
        var subject = "smuggle-" + Guid.NewGuid().ToString("N");
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        await smtp.ExpectAsync("DATA", 354);
        var smuggled = "From: a@remote.example\r\nSubject: " + subject + " outer\r\n\r\nouter body" + fakeEnd
            + "MAIL FROM:<evil@remote.example>\r\nRCPT TO:<other@local.example>\r\nDATA\r\nSubject: " + subject + " inner\r\n\r\nsmuggled\r\n";
        await smtp.SendRawAsync(smuggled + "\r\n.\r\n");
        SmtpTranscript.AssertReply(await smtp.ReadReplyAsync(), 550, "5.6.0");
        // The session is still in step: the next command gets its own answer.
        await smtp.ExpectAsync("NOOP", 250);
        await smtp.ExpectAsync("QUIT", 221);

        Assert.Empty(await fixture.InboxAsync(fixture.User, subject));
        Assert.Empty(await fixture.InboxAsync(fixture.Other, subject));
    }

    [Theory]
    [InlineData("<user%other.example@local.example>", 550, "5.7.1")]
    [InlineData("<\"user@other.example\"@local.example>", 550, "5.7.1")]
    [InlineData("<other.example!user@local.example>", 550, "5.7.1")]
    [InlineData("<user@[192.0.2.1]>", 550, "5.7.1")]
    [InlineData("<user@other.example>", 550, "5.7.1")]
    [InlineData("<user@local.example.other.example>", 550, "5.7.1")]
    [InlineData("<@local.example:user@other.example>", 550, "5.7.1")]
    public async Task RelayAttemptIsRefused(string recipient, int code, string enhanced)
    {
        var queue = fixture.Server.Services.GetRequiredService<IOutboundQueueStore>();
        var before = await queue.CountAsync(default);
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:" + recipient, code, enhanced);
        Assert.StartsWith("5", await smtp.CommandAsync("DATA"));
        Assert.Equal(before, await queue.CountAsync(default));
    }

    [Fact]
    public async Task DoubleAtRecipientIsASyntaxError()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        var reply = await smtp.CommandAsync("RCPT TO:<user@other.example@local.example>");
        Assert.True(reply.StartsWith("5", StringComparison.Ordinal), reply);
        Assert.StartsWith("5", await smtp.CommandAsync("DATA"));
    }

    [Fact]
    public async Task StartTlsInjectionIsDiscarded()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SubmissionPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        // CVE-2011-0411 class: commands pipelined after STARTTLS must not run inside the TLS session.
        await smtp.SendRawAsync("STARTTLS\r\nRSET\r\nMAIL FROM:<user@local.example>\r\n");
        SmtpTranscript.AssertReply(await smtp.ReadReplyAsync(), 220);
        await smtp.StartTlsAsync();
        var ehlo = await smtp.CommandAsync("EHLO client.remote.example");
        SmtpTranscript.AssertReply(ehlo, 250);
        Assert.Contains("ENHANCEDSTATUSCODES", ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
        // Nothing more is waiting: the injected RSET / MAIL produced no replies.
        await smtp.ExpectAsync("NOOP", 250);
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 530, "5.7.0");
    }

    [Fact]
    public async Task OversizeMessageIsRefusedWithoutBufferingIt()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxMessageSize"] = (1024 * 1024).ToString() });
        await server.CreateAccountAsync("user@local.example");
        await using var smtp = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        var ehlo = await smtp.ExpectAsync("EHLO client.remote.example", 250);
        Assert.Contains("SIZE 1048576", ehlo);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example> SIZE=5000000", 552);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        await smtp.ExpectAsync("DATA", 354);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(true);
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n", 880)));
        const long total = 64L * 1024 * 1024;
        var sent = 0L;
        try
        {
            while (sent < total)
            {
                await smtp.SendRawAsync(chunk);
                sent += chunk.Length;
            }
            await smtp.SendRawAsync("\r\n.\r\n");
        }
        catch (IOException)
        {
            // The server closed the connection after its 552: that is the point.
        }
        var reply = await smtp.ReadReplyAsync();
        SmtpTranscript.AssertReply(reply, 552);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var after = GC.GetTotalMemory(true);
        Assert.True(after - before < 16 * 1024 * 1024, $"memory grew by {(after - before) / 1024 / 1024} MB while {sent / 1024 / 1024} MB were sent");
    }
}
