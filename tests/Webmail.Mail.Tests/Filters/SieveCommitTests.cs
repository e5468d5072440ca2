using MailKit.Net.Smtp;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Filters;

/// <summary>What a script decides commits with the message as one unit: a refusal or a failure leaves none of it.</summary>
public sealed class SieveCommitTests : IAsyncLifetime
{
    private const string Script = """
        require ["fileinto", "mailbox", "copy", "vacation"];
        fileinto :copy :create "Filed";
        redirect :copy "carol@remote.example";
        vacation :days 1 "Away.";
        """;

    private SieveServer _mail = null!;

    public async Task InitializeAsync() => _mail = await SieveServer.StartAsync(bobQuota: 2_000);

    public async Task DisposeAsync() => await _mail.DisposeAsync();

    private async Task AssertNothingLeftAsync()
    {
        Assert.Null(await _mail.FindFolderAsync(_mail.Bob, "Filed"));
        Assert.Empty(await _mail.InboxAsync());
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
        Assert.Empty(_mail.Remote.Transactions);
        Assert.Equal(0, _mail.Scalar("SELECT count(*) FROM sieve_vacation_replies"));
        Assert.Equal(0, _mail.Scalar("SELECT count(*) FROM outbound_messages"));
    }

    [Fact]
    public async Task AQuotaRefusalTakesTheFolderTheRedirectAndTheVacationReplyWithIt()
    {
        await _mail.ActivateAsync(Script);

        // Each copy (the one filed and the implicit keep) fits on its own, so RCPT TO accepts; the two together do not.
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => _mail.SendAsync(TestMessages.OfSize(1_200, to: "bob@local.example")));

        Assert.Equal(SmtpStatusCode.ExceededStorageAllocation, refused.StatusCode);
        await AssertNothingLeftAsync();
    }

    [Fact]
    public async Task AFailingStatementInTheCommitLeavesNothingHalfDone()
    {
        await _mail.ActivateAsync(Script);
        // The vacation row is written last: the folder, the copy and the redirect are already in the transaction.
        using var trigger = RefusingTrigger.On(_mail.Database, "INSERT", "sieve_vacation_replies", "1");

        var failed = await Assert.ThrowsAsync<SmtpCommandException>(() => _mail.SendAsync(TestMessages.Simple(to: "bob@local.example")));

        Assert.Equal(451, (int)failed.StatusCode);
        await AssertNothingLeftAsync();
    }

    [Fact]
    public async Task TheSendersSentCopyIsStoredWhenItsOwnFilteredCopiesAreOverQuota()
    {
        await _mail.ActivateAsync(Script);

        // Bob writes to himself: the Sent copy takes no quota; the two copies his script files do not fit.
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _mail.Server.SubmissionPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync("bob@local.example", "correct horse");
        await client.SendAsync(MimeKit.MimeMessage.Load(new MemoryStream(TestMessages.Simple(from: "bob@local.example", to: "bob@local.example", subject: "To myself", body: string.Concat(Enumerable.Repeat("Notes to self, long enough to count.\r\n", 30))))));
        await client.DisconnectAsync(true);

        var sent = await _mail.Messages.GetSpecialFolderAsync(_mail.Bob.Id, Core.Model.SpecialFolder.Sent, default);
        Assert.Equal("To myself", Assert.Single(await _mail.FolderAsync(_mail.Bob, sent.Id)).Subject);
        await AssertNothingLeftAsync();
    }

    [Fact]
    public async Task WithinQuotaEverythingCommitsTogether()
    {
        await _mail.ActivateAsync(Script);

        await _mail.SendAsync(TestMessages.Simple(to: "bob@local.example"));

        var filed = await _mail.FindFolderAsync(_mail.Bob, "Filed");
        Assert.Single(await _mail.FolderAsync(_mail.Bob, filed!.Id));
        Assert.Single(await _mail.InboxAsync());
        Assert.Equal(1, _mail.Scalar("SELECT count(*) FROM sieve_vacation_replies"));
        Assert.Equal(2, (await _mail.RemoteReceivedAsync(2)).Count);
    }
}
