using MailKit.Net.Smtp;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Filters;

/// <summary>Bob's Sieve script at delivery over real SMTP: where the message is filed, with what flags, and what a failure leaves.</summary>
public abstract class SieveFilingTests(StoreProvider provider) : IAsyncLifetime
{
    private SieveServer _mail = null!;

    public async Task InitializeAsync() => _mail = await SieveServer.StartAsync(provider: provider);

    public async Task DisposeAsync() => await _mail.DisposeAsync();

    [Fact]
    public async Task FileIntoCreateMakesTheFolderAndStoresTheFlagsAndKeywords()
    {
        await _mail.ActivateAsync("""
            require ["fileinto", "mailbox", "imap4flags"];
            if header :contains "subject" "dev" {
                addflag ["\\Flagged", "$Label1"];
                fileinto :create "Lists/dev";
            }
            """);

        var reply = await _mail.SendAsync(TestMessages.Simple(subject: "[dev] build broken"));

        Assert.StartsWith("2.0.0", reply);
        var lists = await _mail.FindFolderAsync(_mail.Bob, "Lists");
        var dev = await _mail.FindFolderAsync(_mail.Bob, "dev", lists!.Id);
        var filed = Assert.Single(await _mail.FolderAsync(_mail.Bob, dev!.Id));
        Assert.Equal(MessageFlags.Flagged, filed.Flags);
        Assert.Equal(["$Label1"], filed.KeywordList);
        Assert.Empty(await _mail.InboxAsync());
        // Delivered-To above everything the server added (Authentication-Results, Received).
        Assert.StartsWith("Delivered-To: bob@local.example\r\nAuthentication-Results: mx.local.example;", await _mail.RawAsync(_mail.Bob, filed));
        Assert.Null(await _mail.LastErrorAsync());
    }

    [Fact]
    public async Task FileIntoAMissingFolderWithoutCreateFilesIntoInboxAndRecordsTheError()
    {
        await _mail.ActivateAsync("""
            require "fileinto";
            fileinto "Nowhere";
            """);

        await _mail.SendAsync(TestMessages.Simple(subject: "lost?"));

        Assert.Equal("lost?", Assert.Single(await _mail.InboxAsync()).Subject);
        Assert.Null(await _mail.FindFolderAsync(_mail.Bob, "Nowhere"));
        Assert.Contains("fileinto \"Nowhere\": no such folder", await _mail.LastErrorAsync());
    }

    [Fact]
    public async Task MailboxExistsIsAnsweredFromTheAccountsFolders()
    {
        var projects = await _mail.Messages.CreateFolderAsync(_mail.Bob.Id, "Projects", null, default);
        await _mail.ActivateAsync("""
            require ["mailbox", "imap4flags", "fileinto"];
            if mailboxexists "Projects" { addflag "$projects"; }
            if mailboxexists "Nope" { addflag "$nope"; }
            if mailboxexists "inbox" { addflag "$inbox"; }
            fileinto "Projects";
            """);

        await _mail.SendAsync(TestMessages.Simple());

        var filed = Assert.Single(await _mail.FolderAsync(_mail.Bob, projects.Id));
        Assert.Equal(["$projects", "$inbox"], filed.KeywordList);
    }

    [Fact]
    public async Task DiscardStoresNothingAndStillAccepts()
    {
        await _mail.ActivateAsync("""
            if header :contains "subject" "spam" { discard; }
            """);

        var reply = await _mail.SendAsync(TestMessages.Simple(subject: "cheap spam"));

        Assert.StartsWith("2.0.0", reply);
        Assert.Empty(await _mail.InboxAsync());
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
    }

    [Fact]
    public async Task ARunTimeFailureKeepsTheMessageInInboxAndRecordsTheError()
    {
        // Five distinct redirects pass the interpreter's limit of four: the run fails, and only the implicit keep is left.
        await _mail.ActivateAsync("""
            redirect "a@remote.example"; redirect "b@remote.example"; redirect "c@remote.example";
            redirect "d@remote.example"; redirect "e@remote.example";
            """);

        await _mail.SendAsync(TestMessages.Simple(subject: "too many forwards"));

        Assert.Equal("too many forwards", Assert.Single(await _mail.InboxAsync()).Subject);
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
        Assert.Contains("line 2: redirect", await _mail.LastErrorAsync());
    }

    [Theory]
    [InlineData("reject")]
    [InlineData("ereject")]
    public async Task ARejectByTheOnlyRecipientIsRefusedInTheTransaction(string command)
    {
        await _mail.ActivateAsync($"""
            require "{command}";
            {command} "I do not take mail from you.";
            """);

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => _mail.SendAsync(TestMessages.Simple()));

        Assert.Equal(SmtpStatusCode.MailboxUnavailable, refused.StatusCode);
        Assert.Equal("5.7.1 I do not take mail from you.", refused.Message);
        Assert.Empty(await _mail.InboxAsync());
        Assert.Equal(0, await _mail.Queue.CountAsync(default));
    }

    [Fact]
    public async Task ARejectBesideAnotherRecipientSendsTheSenderAnMdn()
    {
        await _mail.ActivateAsync("""
            require "reject";
            reject "Not here.";
            """);

        var reply = await _mail.SendAsync(TestMessages.Simple(subject: "Both of you"), "sender@remote.example", "bob@local.example", "alice@local.example");

        Assert.StartsWith("2.0.0", reply);
        Assert.Empty(await _mail.InboxAsync());
        Assert.Single(await _mail.InboxAsync(_mail.Alice));
        var notice = Assert.Single(await _mail.RemoteReceivedAsync(1));
        Assert.Equal("", notice.MailFrom);
        Assert.Equal(["sender@remote.example"], notice.Recipients);
        var text = System.Text.Encoding.UTF8.GetString(notice.Data);
        Assert.Contains("Subject: Rejected: Both of you", text);
        Assert.Contains("report-type=disposition-notification", text);
        Assert.Contains("Disposition: automatic-action/MDN-sent-automatically; deleted", text);
        Assert.Contains("Not here.", text);
    }
}

public sealed class SieveFilingTestsOnSqlite() : SieveFilingTests(StoreProvider.Sqlite);
public sealed class SieveFilingTestsOnPostgres() : SieveFilingTests(StoreProvider.Postgres);
