using System.Text;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>
/// Mail that claims one of our own domains as its sender must come through authenticated submission
/// or from a trusted network: on the inbound port it is refused with 550 5.7.1.
/// </summary>
public abstract class LocalSenderTests(SmtpServerFixture fixture)
{
    private async Task<SmtpTranscript> OpenAsync(int port)
    {
        var smtp = await SmtpTranscript.ConnectAsync(port);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        return smtp;
    }

    [Theory]
    [InlineData("admin@local.example")]
    [InlineData("Admin@LOCAL.example")]
    [InlineData("nobody@local.example")]
    public async Task LocalEnvelopeSenderFromOutsideIsRefusedAtMailFromWith550_5_7_1(string sender)
    {
        await using var smtp = await OpenAsync(fixture.Server.SmtpPort);

        await smtp.ExpectAsync($"MAIL FROM:<{sender}>", 550, "5.7.1");
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
    }

    [Fact]
    public async Task NullSenderIsStillAccepted()
    {
        await using var smtp = await OpenAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("MAIL FROM:<>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
    }

    [Theory]
    [InlineData("From: admin@local.example\r\n")]
    [InlineData("From: \"The Boss\" <ADMIN@Local.Example>\r\n")]
    [InlineData("From: friend@remote.example, admin@local.example\r\n")]
    [InlineData("From: friend@remote.example\r\nFrom: admin@local.example\r\n")]
    [InlineData("Sender: admin@local.example\r\nFrom: friend@remote.example\r\n")]
    public async Task LocalFromOrSenderHeaderFromOutsideIsRefusedAfterDataWith550_5_7_1AndNothingIsStored(string originator)
    {
        var subject = "spoof-" + Guid.NewGuid().ToString("N");
        var message = Encoding.ASCII.GetBytes(originator + $"To: user@local.example\r\nSubject: {subject}\r\n\r\nPlease wire the money.\r\n");
        await using var smtp = await OpenAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);

        var reply = await smtp.DataAsync(message);

        Assert.Equal("550 5.7.1 Mail from a local domain must be sent with authentication\r\n", reply);
        Assert.Empty(await fixture.InboxAsync(fixture.User, subject));
        await smtp.ExpectAsync("NOOP", 250);
    }

    [Fact]
    public async Task LocalAddressInReplyToFromOutsideIsDelivered()
    {
        // Reply-To names where answers go, not who wrote: a web form's mail may well point at a user.
        var subject = "replyto-" + Guid.NewGuid().ToString("N");
        await using var smtp = await OpenAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(subject: subject, extraHeaders: "Reply-To: other@local.example\r\n")), 250);
        Assert.Single(await fixture.InboxAsync(fixture.User, subject));
    }

    [Fact]
    public async Task AuthenticatedSubmissionMayUseTheLocalSender()
    {
        var subject = "own-" + Guid.NewGuid().ToString("N");
        await using var smtp = await OpenAsync(fixture.Server.SmtpPort);
        await smtp.ExpectAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0admin@local.example\0" + SmtpServerFixture.Password)), 235);
        await smtp.ExpectAsync("MAIL FROM:<admin@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(from: "admin@local.example", subject: subject)), 250);
        Assert.Single(await fixture.InboxAsync(fixture.User, subject));
    }

    [Theory]
    [InlineData("127.0.0.0/8")]
    [InlineData("::ffff:127.0.0.1/128")]
    [InlineData("10.0.0.0/8,127.0.0.1")]
    public async Task TrustedNetworkMayUseLocalSenders(string networks)
    {
        var settings = new Dictionary<string, string?>();
        var parts = networks.Split(',');
        for (var i = 0; i < parts.Length; i++)
            settings[$"Webmail:Smtp:TrustedNetworks:{i}"] = parts[i];
        await using var server = await TestServer.StartAsync(settings, provider: fixture.Server.Provider);
        var user = await server.CreateAccountAsync("user@local.example");
        await server.CreateAccountAsync("admin@local.example");
        await using var smtp = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await smtp.ExpectAsync("EHLO printer.local.example", 250);

        await smtp.ExpectAsync("MAIL FROM:<admin@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
        SmtpTranscript.AssertReply(await smtp.DataAsync(TestMessages.Simple(from: "admin@local.example", subject: "scan")), 250);
        // Trust covers the sender check only: it does not open the relay.
        await smtp.ExpectAsync("MAIL FROM:<admin@local.example>", 250);
        await smtp.ExpectAsync("RCPT TO:<someone@other.example>", 550, "5.7.1");

        var inbox = await server.Messages.GetSpecialFolderAsync(user.Id, Webmail.Core.Model.SpecialFolder.Inbox, default);
        Assert.Equal(1, (await server.Messages.ListAsync(user.Id, inbox.Id, 0, 10, Webmail.Core.Model.MessageSort.DateDescending, default)).Total);
    }

    [Fact]
    public async Task UntrustedNetworkListDoesNotCoverLoopback()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Smtp:TrustedNetworks:0"] = "192.0.2.0/24", ["Webmail:Smtp:TrustedNetworks:1"] = "2001:db8::/32" }, provider: fixture.Server.Provider);
        await server.CreateAccountAsync("user@local.example");
        await using var smtp = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);
        await smtp.ExpectAsync("MAIL FROM:<user@local.example>", 550, "5.7.1");
    }
}

public sealed class LocalSenderTestsOnSqlite(SmtpServerFixture fixture) : LocalSenderTests(fixture), IClassFixture<SmtpServerFixture>;
public sealed class LocalSenderTestsOnPostgres(SmtpServerFixtureOnPostgres fixture) : LocalSenderTests(fixture), IClassFixture<SmtpServerFixtureOnPostgres>;
