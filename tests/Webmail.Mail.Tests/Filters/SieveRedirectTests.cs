using System.Text;
using System.Text.RegularExpressions;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Filters;

/// <summary>Sieve redirect at delivery: the stored bytes go out unchanged, with an SRS sender, and loops stop.</summary>
public sealed class SieveRedirectTests : IAsyncLifetime
{
    private SieveServer _mail = null!;

    public async Task InitializeAsync() => _mail = await SieveServer.StartAsync();

    public async Task DisposeAsync() => await _mail.DisposeAsync();

    [Fact]
    public async Task RedirectSendsTheStoredBytesUnchangedWithAnSrsSender()
    {
        await _mail.ActivateAsync("""
            require "copy";
            redirect :copy "carol@remote.example";
            """);

        await _mail.SendAsync(TestMessages.Simple(subject: "Forward me"), "Sender@remote.example");

        var stored = Assert.Single(await _mail.InboxAsync());
        var raw = await _mail.Messages.GetRawAsync(_mail.Bob.Id, stored.Id, default);
        var sent = Assert.Single(await _mail.RemoteReceivedAsync(1));
        Assert.Equal(["carol@remote.example"], sent.Recipients);
        // SMTP DATA ends with CRLF.CRLF; the scripted server keeps the final CRLF as part of the message.
        Assert.Equal(Encoding.UTF8.GetString(raw!), Encoding.UTF8.GetString(sent.Data));
        Assert.StartsWith("Delivered-To: bob@local.example\r\nAuthentication-Results: ", Encoding.UTF8.GetString(sent.Data));
        // SRS0=HHHH=TT=domain=local@ours (the hash and the day are checked by SrsRewriterTests).
        Assert.Matches(new Regex("^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=remote\\.example=Sender@local\\.example$"), sent.MailFrom);
    }

    [Fact]
    public async Task ABounceToTheSrsAddressGoesBackToTheOriginalSender()
    {
        await _mail.ActivateAsync("""
            redirect "carol@remote.example";
            """);
        await _mail.SendAsync(TestMessages.Simple(subject: "Forward me"), "Sender@remote.example");
        var srs = Assert.Single(await _mail.RemoteReceivedAsync(1)).MailFrom;

        // Carol's server refuses it later and bounces to the envelope sender it saw: our SRS address.
        var bounce = TestMessages.Simple(from: "MAILER-DAEMON@remote.example", to: srs, subject: "Undelivered Mail Returned to Sender");
        await _mail.SendWithNullSenderAsync(bounce, srs);

        var relayed = (await _mail.RemoteReceivedAsync(2))[1];
        // Addresses are folded to lower case at RCPT, as many relays do: the reason the SRS hash ignores case.
        Assert.Equal(["sender@remote.example"], relayed.Recipients);
        Assert.Equal("", relayed.MailFrom);
        Assert.Contains("Subject: Undelivered Mail Returned to Sender", Encoding.UTF8.GetString(relayed.Data));
        Assert.Empty(await _mail.InboxAsync());
    }

    [Fact]
    public async Task AnSrsAddressIsHonouredWhateverItsCaseButNotWithAnotherHashOrSender()
    {
        await _mail.ActivateAsync("""
            redirect "carol@remote.example";
            """);
        await _mail.SendAsync(TestMessages.Simple(subject: "Forward me"), "sender@remote.example");
        var srs = Assert.Single(await _mail.RemoteReceivedAsync(1)).MailFrom;
        var fields = srs.Split('=');

        // libsrs2 compares the hash without case: a relay may fold the local part.
        Assert.Equal("250 Ok", await _mail.RcptReplyAsync("", srs.ToUpperInvariant()));
        // Another hash, or the same hash over another original sender, is not ours: no open relay through SRS.
        var otherHash = string.Join('=', [fields[0], fields[1] == "AAAA" ? "BBBB" : "AAAA", .. fields[2..]]);
        Assert.StartsWith("550 5.1.1 No such user here", await _mail.RcptReplyAsync("", otherHash));
        Assert.StartsWith("550 5.1.1 No such user here", await _mail.RcptReplyAsync("", srs.Replace("=sender@", "=victim@", StringComparison.Ordinal)));
        Assert.StartsWith("550 5.1.1 No such user here", await _mail.RcptReplyAsync("", "SRS0=abcd=JY=remote.example@local.example"));
    }

    [Fact]
    public async Task RedirectWithoutCopyStoresNothingHere()
    {
        await _mail.ActivateAsync("""
            redirect "carol@remote.example";
            """);

        await _mail.SendAsync(TestMessages.Simple(subject: "Away"));

        Assert.Empty(await _mail.InboxAsync());
        Assert.Single(await _mail.RemoteReceivedAsync(1));
    }

    [Fact]
    public async Task RedirectToALocalAddressDeliversInTheSameCommit()
    {
        await _mail.ActivateAsync("""
            redirect "alice@local.example";
            """);

        await _mail.SendAsync(TestMessages.Simple(subject: "For Alice"));

        Assert.Empty(await _mail.InboxAsync());
        var arrived = Assert.Single(await _mail.InboxAsync(_mail.Alice));
        Assert.StartsWith("Delivered-To: bob@local.example\r\n", await _mail.RawAsync(_mail.Alice, arrived));
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
    }

    [Theory]
    [InlineData("Delivered-To: bob@local.example\r\n")]
    [InlineData("X-Loop: forwarding loop check <BOB@local.example>\r\n")]
    public async Task AMessageThatWasAlreadyDeliveredHereIsNotRedirectedAgainButKept(string header)
    {
        await _mail.ActivateAsync("""
            redirect "carol@remote.example";
            """);

        await _mail.SendAsync(TestMessages.Simple(subject: "Came back", extraHeaders: header));

        Assert.Equal("Came back", Assert.Single(await _mail.InboxAsync()).Subject);
        // The 250 follows the commit: a queued redirect would be in the queue or already at the remote.
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
        Assert.Empty(_mail.Remote.Transactions);
        Assert.Contains("forwarding loop", await _mail.LastErrorAsync());
    }

    [Fact]
    public async Task ASenderInOurOwnDomainIsKeptAsTheEnvelopeSender()
    {
        await _mail.ActivateAsync("""
            redirect "carol@remote.example";
            """);
        // Alice submits to Bob: mail from our own domain keeps its sender, since our hosts may send for it.
        using var client = new MailKit.Net.Smtp.SmtpClient();
        await client.ConnectAsync("127.0.0.1", _mail.Server.SubmissionPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync("alice@local.example", "correct horse");
        await client.SendAsync(MimeKit.MimeMessage.Load(new MemoryStream(TestMessages.Simple(from: "alice@local.example", to: "bob@local.example"))));
        await client.DisconnectAsync(true);

        var sent = Assert.Single(await _mail.RemoteReceivedAsync(1));
        Assert.Equal("alice@local.example", sent.MailFrom);
    }
}
