using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>Authenticated submission: MailKit happy paths and transcript refusals.</summary>
public abstract class SubmissionTests(SmtpServerFixture fixture)
{
    private static MimeMessage Compose(string from, string to, string subject, bool withIds = true)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var address in to.Split(','))
            message.To.Add(MailboxAddress.Parse(address));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello from the test." };
        if (!withIds)
        {
            message.Headers.Remove(HeaderId.MessageId);
            message.Headers.Remove(HeaderId.Date);
        }
        return message;
    }

    [Fact]
    public async Task MailKitSubmitsOnLoopbackDeliversLocallyQueuesRemoteAndFilesSentCopy()
    {
        var subject = "submit-" + Guid.NewGuid().ToString("N");
        var queue = fixture.Server.Services.GetRequiredService<IOutboundQueueStore>();
        var queuedBefore = await queue.CountAsync(default);
        using (var client = new SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", fixture.Server.SubmissionPort, SecureSocketOptions.None);
            await client.AuthenticateAsync("user@local.example", SmtpServerFixture.Password);
            await client.SendAsync(Compose("user@local.example", "other@local.example,friend@remote.example", subject));
            await client.DisconnectAsync(true);
        }

        Assert.Single(await fixture.InboxAsync(fixture.Other, subject));
        var sent = Assert.Single(await fixture.InboxAsync(fixture.User, subject, SpecialFolder.Sent));
        Assert.True(sent.Flags.HasFlag(MessageFlags.Seen));
        Assert.Equal(queuedBefore + 1, await queue.CountAsync(default));
        var entries = await queue.ListAsync(0, 500, default);
        var entry = Assert.Single(entries.Items, e => e.Recipients.Contains("friend@remote.example") && e.MailFrom == "user@local.example");
        Assert.Equal(fixture.User.Id, entry.SenderAccountId);
    }

    [Fact]
    public async Task MailKitSubmitsOverStartTlsAndMissingMessageIdAndDateAreAdded()
    {
        var subject = "tls-" + Guid.NewGuid().ToString("N");
        using (var client = new SmtpClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", fixture.Server.SubmissionPort, SecureSocketOptions.StartTls);
            Assert.True(client.IsSecure);
            await client.AuthenticateAsync("user@local.example", SmtpServerFixture.Password);
            var message = Compose("me@local.example", "other@local.example", subject);
            // MimeKit adds Message-ID and Date when writing; send raw bytes without them instead.
            var raw = Encoding.ASCII.GetBytes($"From: me@local.example\r\nTo: other@local.example\r\nSubject: {subject}\r\n\r\nNo ids here.\r\n");
            using var stream = new MemoryStream(raw);
            var parsed = await MimeMessage.LoadAsync(stream);
            parsed.Headers.Remove(HeaderId.MessageId);
            parsed.Headers.Remove(HeaderId.Date);
            await client.SendAsync(FormatOptions.Default, parsed, MailboxAddress.Parse("me@local.example"), [MailboxAddress.Parse("other@local.example")]);
            await client.DisconnectAsync(true);
        }

        var stored = Assert.Single(await fixture.InboxAsync(fixture.Other, subject));
        var text = Encoding.UTF8.GetString((await fixture.Server.Messages.GetRawAsync(fixture.Other.Id, stored.Id, default))!);
        Assert.Contains("with ESMTPSA id ", text);
        Assert.Contains("\r\nMessage-ID: <", text);
        Assert.Contains("\r\nDate: ", text);
    }

    [Fact]
    public async Task MailBeforeAuthIsRefusedWith530_5_7_0()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SubmissionPort);
        await smtp.ExpectAsync("EHLO client.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 530, "5.7.0");
    }

    [Fact]
    public async Task WrongPasswordIsRefusedWith535_5_7_8()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SubmissionPort);
        await smtp.ExpectAsync("EHLO client.example", 250);
        await smtp.ExpectAsync("AUTH PLAIN " + Plain("other@local.example", "wrong"), 535, "5.7.8");
    }

    [Fact]
    public async Task AuthLoginWorks()
    {
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SubmissionPort);
        await smtp.ExpectAsync("EHLO client.example", 250);
        await smtp.ExpectAsync("AUTH LOGIN", 334);
        await smtp.ExpectAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("other@local.example")), 334);
        await smtp.ExpectAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(SmtpServerFixture.Password)), 235);
        await smtp.ExpectAsync("MAIL FROM:<other@local.example>", 250);
    }

    [Fact]
    public async Task ForeignEnvelopeSenderIsRefusedWith553_5_7_1()
    {
        await using var smtp = await AuthenticatedAsync("user@local.example");
        await smtp.ExpectAsync("MAIL FROM:<other@local.example>", 553, "5.7.1");
        await smtp.ExpectAsync("MAIL FROM:<me@local.example>", 250);
    }

    [Fact]
    public async Task ForeignFromHeaderIsRefusedWith553_5_7_1AndNothingIsStored()
    {
        var subject = "forged-" + Guid.NewGuid().ToString("N");
        await using var smtp = await AuthenticatedAsync("user@local.example");
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<other@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(from: "admin@local.example", to: "other@local.example", subject: subject)), 553, "5.7.1");
        Assert.Empty(await fixture.InboxAsync(fixture.Other, subject));
    }

    [Fact]
    public async Task ForeignSenderHeaderIsRefusedWith553_5_7_1AndNothingIsStored()
    {
        // RFC 5322 §3.6.2: Sender names who transmitted the message; it must be the account's too.
        var subject = "sender-" + Guid.NewGuid().ToString("N");
        await using var smtp = await AuthenticatedAsync("user@local.example");
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<other@local.example>", 250);
        var reply = await smtp.DataAsync(TestMessages.Simple(from: "user@local.example", to: "other@local.example", subject: subject, extraHeaders: "Sender: admin@local.example\r\n"));
        Assert.Equal("553 5.7.1 Sender address not owned by the authenticated account\r\n", reply);
        Assert.Empty(await fixture.InboxAsync(fixture.Other, subject));

        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<other@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(from: "user@local.example", to: "other@local.example", subject: subject, extraHeaders: "Sender: me@local.example\r\n")), 250);
        Assert.Single(await fixture.InboxAsync(fixture.Other, subject));
    }

    [Fact]
    public async Task PartBombForARemoteRecipientIsRefusedWith552_5_3_4AndNothingIsQueued()
    {
        // The outbound queue parses what it signs and sends; a part bomb is refused at DATA, while the
        // same message for a local mailbox is stored (the local views parse it through MimeInput's bounds).
        var subject = "parts-" + Guid.NewGuid().ToString("N");
        var body = new StringBuilder("Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
        for (var i = 0; i <= Webmail.Mail.Delivery.DeliveryPipeline.MaxOutboundMimeParts; i++)
            body.Append("--p\r\n\r\nx\r\n");
        body.Append("--p--\r\n");
        var raw = Encoding.ASCII.GetBytes($"From: user@local.example\r\nTo: friend@remote.example\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n{body}");
        var queue = fixture.Server.Services.GetRequiredService<IOutboundQueueStore>();

        await using var smtp = await AuthenticatedAsync("user@local.example");
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<friend@remote.example>", 250);
        var refused = await smtp.DataAsync(raw);
        SmtpTranscript.AssertReply(refused, 552, "5.3.4");
        Assert.Contains("Message too complex to relay (more than 10,000 MIME parts)", refused);
        // Not the queue's count: the outbound worker settles other tests' entries meanwhile (it failed once so).
        foreach (var entry in (await queue.ListAsync(0, 500, default)).Items)
            Assert.DoesNotContain(subject, Encoding.ASCII.GetString(await queue.GetMessageAsync(entry.MessageId, default) ?? []));
        Assert.Empty(await fixture.InboxAsync(fixture.User, subject, SpecialFolder.Sent));

        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<other@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(raw), 250);
        Assert.Single(await fixture.InboxAsync(fixture.Other, subject));
    }

    [Fact]
    public async Task DisabledAccountLosesItsOpenSessionAtNextMailFrom()
    {
        var account = await fixture.Server.CreateAccountAsync($"temp{Guid.NewGuid():N}"[..12] + "@local.example", SmtpServerFixture.Password);
        await using var smtp = await AuthenticatedAsync(account.Address);
        await smtp.ExpectAsync("MAIL FROM:<" + account.Address + ">", 250);
        await smtp.ExpectAsync("RSET", 250);
        await fixture.Server.Services.GetRequiredService<DirectoryService>().SetDisabledAsync(account.Address, true, "test", default);
        await smtp.ExpectAsync("MAIL FROM:<" + account.Address + ">", 530, "5.7.0");
    }

    [Fact]
    public async Task PlaintextAuthIsRefusedWith538WhenLoopbackExceptionIsOff()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Security:AllowPlaintextAuthOnLoopback"] = "false" }, provider: fixture.Server.Provider);
        await server.CreateAccountAsync("user@local.example", SmtpServerFixture.Password);
        await using var smtp = await SmtpTranscript.ConnectAsync(server.SubmissionPort);
        var ehlo = await smtp.ExpectAsync("EHLO client.example", 250);
        Assert.DoesNotContain("AUTH", ehlo);
        await smtp.ExpectAsync("AUTH PLAIN " + Plain("user@local.example", SmtpServerFixture.Password), 538, "5.7.11");
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 530, "5.7.0");

        await smtp.ExpectAsync("STARTTLS", 220);
        await smtp.StartTlsAsync();
        Assert.Contains("AUTH PLAIN LOGIN", await smtp.ExpectAsync("EHLO client.example", 250));
        await smtp.ExpectAsync("AUTH PLAIN " + Plain("user@local.example", SmtpServerFixture.Password), 235);
    }

    [Fact]
    public async Task AuthenticationBeforeStartTlsIsForgottenAfterIt()
    {
        await using var smtp = await AuthenticatedAsync("user@local.example");
        await smtp.ExpectAsync("STARTTLS", 220);
        await smtp.StartTlsAsync();
        await smtp.ExpectAsync("EHLO client.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 530, "5.7.0");
    }

    private async Task<SmtpTranscript> AuthenticatedAsync(string address)
    {
        var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SubmissionPort);
        await smtp.ExpectAsync("EHLO client.example", 250);
        await smtp.ExpectAsync("AUTH PLAIN " + Plain(address, SmtpServerFixture.Password), 235);
        return smtp;
    }

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));
}

public sealed class SubmissionTestsOnSqlite(SmtpServerFixture fixture) : SubmissionTests(fixture), IClassFixture<SmtpServerFixture>;
public sealed class SubmissionTestsOnPostgres(SmtpServerFixtureOnPostgres fixture) : SubmissionTests(fixture), IClassFixture<SmtpServerFixtureOnPostgres>;
