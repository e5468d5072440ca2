using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Compose;
using Webmail.Core.Model;

namespace Webmail.Web.Tests.Compose;

/// <summary>
/// Only a message in the account's Drafts folder is a draft: the composer never deletes or replaces any
/// other message, and ids it cannot use (not a number, out of range, another account's, not a draft)
/// show the composer's "no longer exists" state instead of an error page.
/// </summary>
[Collection(ComposeCollection.Name)]
public sealed class DraftIdentityTests(ComposeFixture fixture)
{
    private ComposeService Compose => fixture.Server.Services.GetRequiredService<ComposeService>();

    private Task<long> DeliverAsync(Core.Model.Account to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Carol", "carol@remote.example"));
        message.To.Add(MailboxAddress.Parse(to.Address));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Keep me." };
        return fixture.DeliverAsync(to, message);
    }

    [Fact]
    public async Task InboxMessageIsNotOpenedAsADraft()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var id = await DeliverAsync(lucy, "Not a draft");

        Assert.Null(await Compose.OpenDraftAsync(lucy.Id, id, "unused-session", default));
    }

    [Fact]
    public async Task DiscardAndSaveNeverDeleteAMessageOutsideDrafts()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var id = await DeliverAsync(lucy, "Keep this one");

        // A composer whose draft was moved out of Drafts meanwhile (another tab) still holds its id.
        var model = new ComposeModel { Subject = "Edited", DraftId = id };
        await Compose.SaveDraftAsync(lucy.Id, model, default);
        var stale = new ComposeModel { DraftId = id };
        await Compose.DiscardAsync(lucy.Id, stale, default);

        Assert.NotNull(await fixture.Server.Messages.GetSummaryAsync(lucy.Id, id, default));
        var draft = Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        Assert.Equal("Edited", draft.Message.Subject);
    }

    [Fact]
    public async Task ComposerOpenedOnAnInboxMessageAsDraftShowsNotFoundAndDeletesNothing()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var id = await DeliverAsync(lucy, "Precious mail");
        var page = await fixture.SignInAsync(lucy);

        await OpenNotFoundAsync(page, $"/compose?draft={id}");

        Assert.NotNull(await fixture.Server.Messages.GetSummaryAsync(lucy.Id, id, default));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ComposerWithUnusableIdsShowsNotFoundInsteadOfAnError()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var bettysDraft = new ComposeModel { Subject = "Betty's secret" };
        await Compose.SaveDraftAsync(betty.Id, bettysDraft, default);
        var page = await fixture.SignInAsync(lucy);

        foreach (var query in new[]
        {
            "draft=abc", "draft=99999999999999999999", "draft=-1", "draft=0", "draft=1e3", $"draft={bettysDraft.DraftId}",
            "replyTo=abc", "replyTo=99999999999999999999", "replyAllTo=x1", "forward=%20", $"forward={bettysDraft.DraftId}",
        })
            await OpenNotFoundAsync(page, "/compose?" + query);

        Assert.NotNull(await fixture.Server.Messages.GetSummaryAsync(betty.Id, bettysDraft.DraftId!.Value, default));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReplyLeftWithoutTypingSavesNoDraftButOneKeystrokeDoes()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var id = await DeliverAsync(lucy, "Question");
        var page = await fixture.SignInAsync(lucy);

        await fixture.OpenAsync(page, $"/compose?replyTo={id}");
        // Leaving runs the composer's location-changing handler, which saves a draft it considers changed, before the mailbox shows.
        await LeaveForTheInboxAsync(page);
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));

        await fixture.OpenAsync(page, $"/compose?forward={id}");
        await page.GetByLabel("To", new() { Exact = true }).PressSequentiallyAsync("b");
        await LeaveForTheInboxAsync(page);
        var draft = Assert.Single(await fixture.WaitForAsync(lucy, SpecialFolder.Drafts));
        Assert.Equal("Fwd: Question", draft.Message.Subject);
        await page.Context.CloseAsync();
    }

    private static async Task LeaveForTheInboxAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" }).GetByRole(AriaRole.Link, new() { Name = "Mail" }).ClickAsync();
        await page.GetByRole(AriaRole.Region, new() { Name = "Message list" }).WaitForAsync();
    }

    /// <summary>Opens <paramref name="path"/>: the page answers (no server error) and, once interactive, says the message does not exist, offering no Discard.</summary>
    private async Task OpenNotFoundAsync(IPage page, string path)
    {
        var response = await page.GotoAsync(fixture.Server.BaseUrl + path);
        Assert.True(response is { Status: 200 }, $"{path} answered {response?.Status}");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "That message no longer exists." })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Discard" })).ToHaveCountAsync(0);
    }
}
