using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Mail.Dkim;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Filters;

/// <summary>Sieve vacation at delivery (RFC 5230, 3834): one reply per sender and period, never to automatic mail.</summary>
public sealed class SieveVacationTests : IAsyncLifetime
{
    private const string Script = """
        require "vacation";
        vacation :days 3 :addresses ["robert@elsewhere.example"] "I am away until Monday.";
        """;

    private SieveServer _mail = null!;

    public async Task InitializeAsync()
    {
        _mail = await SieveServer.StartAsync();
        await _mail.Server.Services.GetRequiredService<DkimKeyService>().GenerateAsync("local.example", "test", default);
        await _mail.ActivateAsync(Script);
    }

    public async Task DisposeAsync() => await _mail.DisposeAsync();

    [Fact]
    public async Task OneReplyPerSenderAndPeriodWithTheRfcHeaders()
    {
        await _mail.SendAsync(TestMessages.Simple(to: "Bob <bob@local.example>", subject: "Lunch?", messageId: "first@remote.example"));
        await _mail.SendAsync(TestMessages.Simple(to: "bob@local.example", subject: "Lunch? (again)"));

        var reply = Assert.Single(await _mail.QueueDrainedAsync());
        Assert.Equal("", reply.MailFrom);
        Assert.Equal(["sender@remote.example"], reply.Recipients);
        var message = MimeMessage.Load(new MemoryStream(reply.Data));
        Assert.Equal("bob@local.example", message.From.Mailboxes.Single().Address);
        Assert.Equal("sender@remote.example", message.To.Mailboxes.Single().Address);
        Assert.Equal("Auto: Lunch?", message.Subject);
        Assert.Equal("first@remote.example", message.InReplyTo);
        Assert.Equal(["first@remote.example"], message.References);
        Assert.Equal("auto-replied", message.Headers[HeaderId.AutoSubmitted]);
        Assert.Contains("d=local.example", message.Headers[HeaderId.DkimSignature]);
        Assert.Equal("I am away until Monday.", Assert.IsType<TextPart>(message.Body).Text.TrimEnd());
        // Both messages were delivered; the second one got no reply.
        Assert.Equal(2, (await _mail.InboxAsync()).Count);

        // Three days later (the row's time moved back rather than the clock forward) the sender gets a reply again.
        var until = _mail.Scalar("SELECT until FROM sieve_vacation_replies WHERE sender = 'sender@remote.example'");
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(until) - DateTimeOffset.UtcNow, TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(3));
        _mail.Scalar("UPDATE sieve_vacation_replies SET until = 0 RETURNING 0");
        await _mail.SendAsync(TestMessages.Simple(to: "bob@local.example", subject: "Back yet?"));
        var replies = await _mail.QueueDrainedAsync();
        Assert.Equal(2, replies.Count);
        Assert.Contains(replies, r => MimeMessage.Load(new MemoryStream(r.Data)).Subject == "Auto: Back yet?");
    }

    [Theory]
    [InlineData("list@remote.example", "List-Id: <dev.lists.remote.example>\r\n", "bob@local.example")]
    [InlineData("bulk@remote.example", "Precedence: bulk\r\n", "bob@local.example")]
    [InlineData("junk@remote.example", "Precedence: junk\r\n", "bob@local.example")]
    [InlineData("auto@remote.example", "Auto-Submitted: auto-generated\r\n", "bob@local.example")]
    [InlineData("noreply@remote.example", "", "bob@local.example")]
    [InlineData("MAILER-DAEMON@remote.example", "", "bob@local.example")]
    [InlineData("owner-dev@remote.example", "", "bob@local.example")]
    [InlineData("bcc@remote.example", "", "someone@remote.example")]
    public async Task NoReplyToListsAutomaticMailRobotsOrMailNotAddressedToTheUser(string sender, string headers, string to)
    {
        await _mail.SendAsync(TestMessages.Simple(from: sender, to: to, extraHeaders: headers), sender);

        Assert.Single(await _mail.InboxAsync());
        // The reply and its tracking row would commit with the delivery, before the 250.
        Assert.Equal(0, _mail.Scalar("SELECT count(*) FROM sieve_vacation_replies"));
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
        Assert.Empty(_mail.Remote.Transactions);
    }

    [Fact]
    public async Task TheAddressesArgumentCountsAsTheUsers()
    {
        await _mail.SendAsync(TestMessages.Simple(to: "Robert <robert@elsewhere.example>"));

        Assert.Single(await _mail.RemoteReceivedAsync(1));
    }

    [Fact]
    public async Task TheSubjectIsTheScriptsAndTheFromOnlyOneOfTheUsersOwnAddresses()
    {
        await _mail.Server.Services.GetRequiredService<Core.Accounts.DirectoryService>().SetAliasAsync("bobby@local.example", ["bob@local.example"], "test", default);
        await _mail.ActivateAsync("""
            require "vacation";
            vacation :subject "Out of office" :from "Bob B <bobby@local.example>" "Away.";
            """);
        await _mail.SendAsync(TestMessages.Simple(to: "bob@local.example"), "first@remote.example");
        await _mail.ActivateAsync("""
            require "vacation";
            vacation :from "ceo@bank.example" "Away.";
            """);
        await _mail.SendAsync(TestMessages.Simple(to: "bob@local.example"), "second@remote.example");

        var replies = (await _mail.RemoteReceivedAsync(2)).Select(t => MimeMessage.Load(new MemoryStream(t.Data))).ToList();
        var own = replies.Single(r => r.To.Mailboxes.Single().Address == "first@remote.example");
        Assert.Equal("Out of office", own.Subject);
        Assert.Equal("\"Bob B\" <bobby@local.example>", own.From.ToString());
        var foreign = replies.Single(r => r.To.Mailboxes.Single().Address == "second@remote.example");
        Assert.Equal("bob@local.example", foreign.From.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task NoReplyToTheNullSender()
    {
        await _mail.SendWithNullSenderAsync(TestMessages.Simple(from: "someone@remote.example", to: "bob@local.example"));

        Assert.Single(await _mail.InboxAsync());
        Assert.Equal(0, _mail.Scalar("SELECT count(*) FROM sieve_vacation_replies"));
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
    }

    [Fact]
    public async Task NoReplyToTheUsersOwnAddresses()
    {
        // Bob writes to himself through submission: the reply would go to his own address.
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync("127.0.0.1", _mail.Server.SubmissionPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync("bob@local.example", "correct horse");
        await client.SendAsync(MimeMessage.Load(new MemoryStream(TestMessages.Simple(from: "bob@local.example", to: "bob@local.example"))));
        await client.DisconnectAsync(true);

        Assert.Single(await _mail.InboxAsync());
        Assert.Equal(0, _mail.Scalar("SELECT count(*) FROM sieve_vacation_replies"));
    }

    [Fact]
    public async Task ALocalSenderGetsTheReplyInTheirInbox()
    {
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync("127.0.0.1", _mail.Server.SubmissionPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync("alice@local.example", "correct horse");
        await client.SendAsync(MimeMessage.Load(new MemoryStream(TestMessages.Simple(from: "alice@local.example", to: "bob@local.example", subject: "Coffee"))));
        await client.DisconnectAsync(true);

        var reply = Assert.Single(await _mail.InboxAsync(_mail.Alice));
        Assert.Equal("Auto: Coffee", reply.Subject);
        Assert.Contains("Auto-Submitted: auto-replied\r\n", await _mail.RawAsync(_mail.Alice, reply));
    }
}
