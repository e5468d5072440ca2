using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>The inbound (MX) listener's rules, as transcripts over a raw socket with exact reply codes.</summary>
public abstract class InboundTranscriptTests(SmtpServerFixture fixture)
{
    private int Port => fixture.Server.SmtpPort;

    private async Task<SmtpTranscript> OpenAsync()
    {
        var smtp = await SmtpTranscript.ConnectAsync(Port);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        return smtp;
    }

    [Fact]
    public async Task EhloAdvertisesSizeStartTlsAndEnhancedStatusCodes()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(Port);
        var reply = await smtp.ExpectAsync("EHLO client.remote.example", 250);
        Assert.Contains("SIZE ", reply);
        Assert.Contains("STARTTLS", reply);
        Assert.Contains("ENHANCEDSTATUSCODES", reply);
        Assert.Contains("PIPELINING", reply);
    }

    [Fact]
    public async Task MessageToLocalUserIsStoredWithReceivedHeaderAfter250()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        var subject = "inbound-" + Guid.NewGuid().ToString("N");
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(subject: subject)), 250, "2.0.0");

        var stored = Assert.Single(await fixture.InboxAsync(fixture.User, subject));
        var raw = Encoding.UTF8.GetString((await fixture.Server.Messages.GetRawAsync(fixture.User.Id, stored.Id, default))!);
        // Authentication-Results (the sender checks, RFC 8601) comes first, then our Received line (RFC 5321 §4.4).
        Assert.StartsWith("Authentication-Results: mx.local.example;\r\n\tspf=none smtp.mailfrom=remote.example;\r\n\tdkim=none;", raw);
        var received = raw[raw.IndexOf("\r\nReceived: ", StringComparison.Ordinal)..];
        Assert.StartsWith("\r\nReceived: from client.remote.example ([127.0.0.1])\r\n\tby mx.local.example (Webmail) with ESMTP id ", received);
        Assert.Contains("for <user@local.example>;", raw);
        Assert.EndsWith("Hello there.\r\n", raw);
    }

    [Fact]
    public async Task DomainsAreCaseInsensitive()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<User@LOCAL.Example>", 250);
    }

    [Fact]
    public async Task UnknownLocalUserIsRefusedWith550_5_1_1()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<nobody@local.example>", 550, "5.1.1");
    }

    [Fact]
    public async Task RemoteDomainIsRelayDeniedWith550_5_7_1()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<someone@other.example>", 550, "5.7.1");
    }

    [Fact]
    public async Task NullSenderAndPostmasterAreAccepted()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<>", 250);
        await smtp.ExpectAsync("RCPT TO:<postmaster@local.example>", 250);
        var subject = "postmaster-" + Guid.NewGuid().ToString("N");
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(subject: subject, to: "postmaster@local.example")), 250);
        Assert.Single(await fixture.InboxAsync(fixture.Admin, subject));
    }

    [Fact]
    public async Task AliasIsExpandedAndEachMailboxGetsOneCopy()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<team@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<me@local.example>", 250);
        var subject = "alias-" + Guid.NewGuid().ToString("N");
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(subject: subject)), 250);
        Assert.Single(await fixture.InboxAsync(fixture.User, subject));
        Assert.Single(await fixture.InboxAsync(fixture.Other, subject));
    }

    [Fact]
    public async Task RecipientOverQuotaIsRefusedAtRcptWith552_5_2_2()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<full@local.example>", 552, "5.2.2");
    }

    [Fact]
    public async Task HundredAndFirstRecipientIsRefusedWith452_4_5_3()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        for (var i = 0; i < 100; i++)
            await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 452, "4.5.3");
        var subject = "hundred-" + Guid.NewGuid().ToString("N");
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(subject: subject)), 250);
        Assert.Single(await fixture.InboxAsync(fixture.User, subject));
    }

    [Fact]
    public async Task MailWithoutAuthOnInboundCannotRelayButAuthenticatedSessionCan()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0user@local.example\0" + SmtpServerFixture.Password)), 235);
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<someone@other.example>", 250);
    }

    [Fact]
    public async Task OverlongCommandLineIsRefusedWith500_5_5_2()
    {
        // RFC 5321 §4.5.3.1.4: 512 octets; a short path with long parameters still makes the line too long.
        // (An address over 254 octets is refused 501 first: LogBoundTests.)
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example> X-PAD=" + new string('a', 600), 500, "5.5.2");
        await smtp.ExpectAsync("NOOP", 250);
    }

    [Fact]
    public async Task StorageFailureAnswers451_4_3_0AndNothingIsStored()
    {
        await using var server = await TestServer.StartAsync(provider: fixture.Server.Provider);
        await server.CreateAccountAsync("user@local.example");
        using var refusing = RefusingTrigger.On(server, "INSERT", "messages", "true");
        await using var smtp = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple()), 451, "4.3.0");
        await smtp.ExpectAsync("QUIT", 221);
    }

    [Fact]
    public async Task ConnectionsBeyondThePerIpCapAreRefusedWith421()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxSessionsPerIp"] = "2" }, provider: fixture.Server.Provider);
        await using var first = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await using var second = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await using var third = await SmtpTranscript.ConnectAsync(server.SmtpPort, expectGreeting: false);
        SmtpTranscript.AssertReply(await third.ReadReplyAsync(), 421, "4.7.0");
        await first.ExpectAsync("QUIT", 221);
        await Task.Delay(200);
        await using var fourth = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await fourth.ExpectAsync("NOOP", 250);
    }

    [Fact]
    public async Task DataWithoutRecipientsIsRefused()
    {
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<nobody@local.example>", 550, "5.1.1");
        var reply = await smtp.CommandAsync("DATA");
        // The library's state machine refuses DATA before any accepted RCPT.
        Assert.True(reply.StartsWith("501 ", StringComparison.Ordinal), reply);
    }

    [Fact]
    public async Task ReceivedMailIsCountedForTheDashboard()
    {
        var state = fixture.Server.Services.GetRequiredService<IServerStateStore>();
        await using var smtp = await OpenAsync();
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<other@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple()), 250);
        for (var i = 0; i < 50; i++)
        {
            var events = await state.GetMailEventsAsync(DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromHours(1), default);
            if (events.Any(e => e.Kind == Webmail.Core.Model.MailEventKind.Received && e.Count > 0))
                return;
            await Task.Delay(50);
        }
        Assert.Fail("no Received event recorded");
    }
}

public sealed class InboundTranscriptTestsOnSqlite(SmtpServerFixture fixture) : InboundTranscriptTests(fixture), IClassFixture<SmtpServerFixture>;
public sealed class InboundTranscriptTestsOnPostgres(SmtpServerFixtureOnPostgres fixture) : InboundTranscriptTests(fixture), IClassFixture<SmtpServerFixtureOnPostgres>;
