using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Compose;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Compose;

[Collection(ComposeCollection.Name)]
public sealed class ComposeSendTests(ComposeFixture fixture)
{
    [Fact]
    public async Task SendingToLocalAccountFilesInRecipientInboxAndSenderSentAndRecipientSeesItLive()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var bettysPage = await fixture.SignInAsync(betty);
        var page = await fixture.SignInAsync(lucy);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByRole(AriaRole.Link, new() { Name = "Compose", Exact = true }).ClickAsync();
        await page.GetByLabel("Subject", new() { Exact = true }).WaitForAsync();

        await page.GetByLabel("To", new() { Exact = true }).FillAsync(betty.Address);
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("Lunch tomorrow");
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync("Shall we meet at noon?");
        await ComposeFixture.SendAsync(page);
        await fixture.WaitForAsync(lucy, SpecialFolder.Sent);

        var inbox = await fixture.WaitForAsync(betty, SpecialFolder.Inbox);
        var received = Assert.Single(inbox);
        Assert.Equal("Lunch tomorrow", received.Message.Subject);
        Assert.Contains("Shall we meet at noon?", received.Message.TextBody);
        Assert.False(received.Summary.IsSeen);
        var sent = Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.True(sent.Summary.IsSeen);
        Assert.Equal(received.Message.MessageId, sent.Message.MessageId);
        // Betty's open mailbox shows it without a reload.
        await bettysPage.Locator(".message-row", new() { HasText = "Lunch tomorrow" }).WaitForAsync(new() { Timeout = 15_000 });
        await bettysPage.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SendingToRemoteAddressQueuesIt()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        var subject = "Remote " + Guid.NewGuid().ToString("N")[..8];

        await page.GetByLabel("To", new() { Exact = true }).FillAsync("betty@b.example");
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync(subject);
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync("Over the wire.");
        await ComposeFixture.SendAsync(page);
        await fixture.WaitForAsync(lucy, SpecialFolder.Sent);

        var queue = fixture.Server.Services.GetRequiredService<IOutboundQueueStore>();
        var entries = await queue.ListAsync(0, 100, default);
        var entry = Assert.Single(entries.Items, e => e.SenderAccountId == lucy.Id);
        Assert.Equal("b.example", entry.Domain);
        Assert.Equal(["betty@b.example"], entry.Recipients);
        Assert.Equal(lucy.Address, entry.MailFrom);
        var sent = Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Equal(subject, sent.Message.Subject);
        await page.Context.CloseAsync();
    }

    private ComposeService Compose => fixture.Server.Services.GetRequiredService<ComposeService>();

    /// <summary>Betty's question in Lucy's INBOX, and Lucy's reply saved as a draft.</summary>
    private async Task<(long Original, ComposeModel Reply)> ReplyDraftAsync(Account lucy, Account betty)
    {
        var question = new MimeMessage();
        question.From.Add(MailboxAddress.Parse(betty.Address));
        question.To.Add(MailboxAddress.Parse(lucy.Address));
        question.Subject = "Question " + Guid.NewGuid().ToString("N")[..8];
        question.Body = new TextPart("plain") { Text = "Coming tomorrow?" };
        var original = await fixture.DeliverAsync(lucy, question);
        var reply = (await Compose.RespondAsync(lucy.Id, original, ComposeMode.Reply, "unused-session", default))!;
        reply.Body = "Yes." + reply.Body;
        await Compose.SaveDraftAsync(lucy.Id, reply, default);
        return (original, reply);
    }

    private async Task<long> SentEventsAsync() =>
        (await fixture.Server.Services.GetRequiredService<IServerStateStore>().GetMailEventsAsync(DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromHours(1), default))
            .Where(e => e.Kind == MailEventKind.Sent).Sum(e => e.Count);

    private async Task<bool> IsAnsweredAsync(Account account, long messageId) =>
        (await fixture.Server.Messages.GetSummaryAsync(account.Id, messageId, default))!.Flags.HasFlag(MessageFlags.Answered);

    [Fact]
    public async Task SendingAReplyDeliversItRemovesItsDraftAndMarksTheOriginalInTheSameCommit()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var (original, reply) = await ReplyDraftAsync(lucy, betty);
        var sentBefore = await SentEventsAsync();

        var result = await Compose.SendNowAsync(lucy.Id, reply, default);

        // No waiting: when Send returns, the whole action is committed.
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(reply.Subject, Assert.Single(await fixture.FolderAsync(betty, SpecialFolder.Inbox)).Message.Subject);
        Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        Assert.Null(reply.DraftId);
        Assert.True(await IsAnsweredAsync(lucy, original));
        Assert.Equal(sentBefore + 1, await SentEventsAsync());
    }

    [Fact]
    public async Task WhenTheDraftCannotBeRemovedTheReplyIsNotSentAndSendingAgainSendsItOnce()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var (original, reply) = await ReplyDraftAsync(lucy, betty);
        var draft = reply.DraftId!.Value;
        var sentBefore = await SentEventsAsync();

        using (RefusingTrigger.On(fixture.Server.Services.GetRequiredService<SqliteDatabase>(), "DELETE", "messages", $"OLD.id = {draft}"))
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => Compose.SendNowAsync(lucy.Id, reply, default));
            Assert.Contains(RefusingTrigger.Reason, error.Message);
        }

        Assert.Empty(await fixture.FolderAsync(betty, SpecialFolder.Inbox));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Equal(draft, Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Drafts)).Summary.Id);
        Assert.Equal(draft, reply.DraftId);
        Assert.False(await IsAnsweredAsync(lucy, original));
        Assert.Equal(sentBefore, await SentEventsAsync());

        Assert.True((await Compose.SendNowAsync(lucy.Id, reply, default)).Succeeded);
        Assert.Single(await fixture.FolderAsync(betty, SpecialFolder.Inbox));
        Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        Assert.True(await IsAnsweredAsync(lucy, original));
    }

    [Fact]
    public async Task ForwardingMarksTheOriginalForwardedInTheSendsCommit()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var (original, _) = await ReplyDraftAsync(lucy, betty);
        var forward = (await Compose.RespondAsync(lucy.Id, original, ComposeMode.Forward, "unused-session", default))!;
        forward.To = betty.Address;

        using (RefusingTrigger.On(fixture.Server.Services.GetRequiredService<SqliteDatabase>(), "UPDATE", "messages", $"OLD.id = {original}"))
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => Compose.SendNowAsync(lucy.Id, forward, default));
            Assert.Contains(RefusingTrigger.Reason, error.Message);
        }
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.False((await fixture.Server.Messages.GetSummaryAsync(lucy.Id, original, default))!.IsForwarded);

        Assert.True((await Compose.SendNowAsync(lucy.Id, forward, default)).Succeeded);

        var marked = (await fixture.Server.Messages.GetSummaryAsync(lucy.Id, original, default))!;
        Assert.True(marked.IsForwarded);
        Assert.False(marked.IsAnswered);
        Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
    }
}
