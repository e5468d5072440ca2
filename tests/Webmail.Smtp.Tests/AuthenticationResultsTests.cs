using System.Text;
using Webmail.Core.Model;

namespace Webmail.Smtp.Tests;

/// <summary>
/// RFC 8601 §5: Authentication-Results headers that name our authserv-id (Webmail:Hostname) and
/// arrive from outside are forgeries, and are removed before the message is stored.
/// </summary>
public sealed class AuthenticationResultsTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    private const string Forged =
        "Authentication-Results: mx.local.example; dkim=pass header.d=bank.example\r\n"
        + "authentication-results :MX.LOCAL.EXAMPLE 1;\r\n\tspf=pass smtp.mailfrom=bank.example\r\n"
        + "Authentication-Results: (our name) \"mx.local.example\"; dmarc=pass\r\n";

    private const string Foreign =
        "Authentication-Results: mx.remote.example; dkim=fail header.d=remote.example\r\n"
        + "Authentication-Results: mx.local.example.evil.example; spf=pass\r\n";

    private static byte[] Message(string subject, string from = "sender@remote.example") => Encoding.ASCII.GetBytes(
        "Received: from elsewhere by mx.remote.example; Sat, 28 Nov 2026 09:59:00 +0000\r\n" + Forged + Foreign
        + $"From: {from}\r\nTo: user@local.example\r\nSubject: {subject}\r\n"
        + "X-Note: Authentication-Results: mx.local.example; dkim=pass\r\n\r\n"
        + "Authentication-Results: mx.local.example; this line is body text\r\n");

    private async Task<string> StoredAsync(Account account, string subject, SpecialFolder folder = SpecialFolder.Inbox)
    {
        var stored = Assert.Single(await fixture.InboxAsync(account, subject, folder));
        return Encoding.UTF8.GetString((await fixture.Server.Messages.GetRawAsync(account.Id, stored.Id, default))!);
    }

    [Fact]
    public async Task InboundHeadersNamingOurAuthservIdAreRemovedAndOthersKept()
    {
        var subject = "authres-" + Guid.NewGuid().ToString("N");
        var message = Message(subject);
        await using var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(message), 250);

        var raw = await StoredAsync(fixture.User, subject);
        // Ours, the one field of the sender checks, on top; then our Received line; then the message as it came, minus the forgeries.
        Assert.StartsWith("Authentication-Results: mx.local.example;\r\n\tspf=none smtp.mailfrom=remote.example;\r\n\tdkim=none;\r\n\tarc=none;\r\n\tdmarc=none header.from=remote.example\r\n"
            + "Received: from client.remote.example ", raw);
        var arrived = raw[(raw.IndexOf("\r\nReceived: from elsewhere", StringComparison.Ordinal) + 2)..];
        Assert.Equal(Encoding.ASCII.GetString(message).Replace(Forged, ""), arrived);
    }

    [Fact]
    public async Task SubmittedHeadersNamingOurAuthservIdAreRemovedToo()
    {
        var subject = "authres-sub-" + Guid.NewGuid().ToString("N");
        var message = Message(subject, from: "user@local.example");
        await using (var smtp = await SmtpTranscript.ConnectAsync(fixture.Server.SubmissionPort))
        {
            await smtp.ExpectAsync("EHLO client.example", 250);
            await smtp.ExpectAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0user@local.example\0" + SmtpServerFixture.Password)), 235);
            await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 250);
            await smtp.ExpectAsync("RCPT TO:<other@local.example>", 250);
            SmtpTranscript.AssertReply(await smtp.DataAsync(message), 250);
        }

        var raw = await StoredAsync(fixture.Other, subject);
        Assert.StartsWith("Received: from client.example ", raw);
        var arrived = raw[(raw.IndexOf("\r\nReceived: from elsewhere", StringComparison.Ordinal) + 2)..];
        Assert.Equal(Encoding.ASCII.GetString(message).Replace(Forged, ""), arrived);
    }
}
