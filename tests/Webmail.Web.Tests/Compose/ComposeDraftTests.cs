using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Web.Tests.Compose;

/// <summary>Drafts: what was typed survives closing the tab and comes back whole.</summary>
[Collection(ComposeCollection.Name)]
public sealed class ComposeDraftTests(ComposeFixture fixture)
{
    [Fact]
    public async Task DraftAbandonedByClosingThePageIsRestoredWithEverything()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var carol = await fixture.NewAccountAsync("carol");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        await page.GetByLabel("To", new() { Exact = true }).FillAsync($"{betty.Address}, not-yet-an-address");
        await page.GetByLabel("Cc", new() { Exact = true }).FillAsync(carol.Address);
        await page.GetByLabel("Bcc", new() { Exact = true }).FillAsync("hidden@b.example");
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("Meeting notes");
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync("First line.\nSecond line.");
        // The attachment goes last: its row is rendered by the server after the upload, which the circuit
        // handles after every input event sent before it, so the row shows the server holds all the fields.
        // (Closing within milliseconds of a keystroke would race the keystroke's event against Blazor's
        // disconnect beacon, which travels on another connection and can arrive first: no server can keep
        // an edit it never received.)
        await page.Locator("#compose-attach-input").SetInputFilesAsync(new FilePayload { Name = "agenda.txt", MimeType = "text/plain", Buffer = "1. Budget\r\n2. Hiring\r\n"u8.ToArray() });
        await page.GetByRole(AriaRole.List, new() { Name = "Attached files" }).GetByText("agenda.txt").WaitForAsync();

        // Closed at once: no wait for the autosave; the composer keeps the draft when its circuit ends.
        await page.Context.CloseAsync();

        var drafts = await WaitForDraftAsync(lucy, d => d.Subject == "Meeting notes");
        var stored = Assert.Single(drafts);
        Assert.Equal("Meeting notes", stored.Message.Subject);
        Assert.True(stored.Summary.Flags.HasFlag(MessageFlags.Draft));
        Assert.Empty(await fixture.FolderAsync(betty, SpecialFolder.Inbox));

        // Reopened the way a user does: Drafts, then the draft's row, which opens the composer.
        var again = await fixture.SignInAsync(lucy);
        await again.GotoAsync(fixture.Server.BaseUrl + $"/folder/{stored.Summary.FolderId}");
        await Browser.WaitForInteractiveAsync(again);
        await again.Locator("a.message-link", new() { HasText = "Meeting notes" }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(again, url => url.EndsWith($"/compose?draft={stored.Summary.Id}", StringComparison.Ordinal));
        await again.GetByLabel("Subject", new() { Exact = true }).WaitForAsync();
        Assert.Equal($"{betty.Address}, not-yet-an-address", await ComposeFixture.AddressesAsync(again, "To"));
        Assert.Equal(carol.Address, await ComposeFixture.AddressesAsync(again, "Cc"));
        Assert.Equal("hidden@b.example", await ComposeFixture.AddressesAsync(again, "Bcc"));
        Assert.Equal("Meeting notes", await again.GetByLabel("Subject", new() { Exact = true }).InputValueAsync());
        Assert.Equal("First line.\nSecond line.", await again.GetByLabel("Body", new() { Exact = true }).InputValueAsync());
        await again.GetByRole(AriaRole.List, new() { Name = "Attached files" }).GetByText("agenda.txt").WaitForAsync();

        await again.GetByRole(AriaRole.Button, new() { Name = "Remove not-yet-an-address", Exact = true }).ClickAsync();
        await again.GetByRole(AriaRole.Button, new() { Name = "Remove hidden@b.example", Exact = true }).ClickAsync();
        await Assertions.Expect(again.GetByTestId("address-chip")).ToHaveCountAsync(2); // Betty in To, Carol in Cc
        await ComposeFixture.SendAsync(again);

        var sent = Assert.Single(await fixture.WaitForAsync(betty, SpecialFolder.Inbox)).Message;
        Assert.Equal("Meeting notes", sent.Subject);
        using (var agenda = new MemoryStream())
        {
            await ((MimePart)Assert.Single(sent.Attachments)).Content!.DecodeToAsync(agenda);
            Assert.Equal("1. Budget\r\n2. Hiring\r\n"u8.ToArray(), agenda.ToArray());
        }
        Assert.Single(await fixture.WaitForAsync(carol, SpecialFolder.Inbox));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        await again.Context.CloseAsync();
    }

    [Fact]
    public async Task DraftIsSavedWhileTypingReplacedOnSaveDraftAndRemovedOnDiscard()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");

        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("Half an idea");
        var autosaved = Assert.Single(await WaitForDraftAsync(lucy, d => d.Subject == "Half an idea"));
        Assert.Equal("Half an idea", autosaved.Message.Subject);

        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("A whole idea");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Draft saved" }).WaitForAsync();
        var saved = Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        Assert.Equal("A whole idea", saved.Message.Subject);
        Assert.NotEqual(autosaved.Summary.Id, saved.Summary.Id);

        await page.GetByRole(AriaRole.Button, new() { Name = "Discard", Exact = true }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => !url.Contains("/compose", StringComparison.Ordinal));
        Assert.Empty(await fixture.FolderAsync(lucy, SpecialFolder.Drafts));
        await page.Context.CloseAsync();
    }

    /// <summary>Polls Drafts until the predicate holds for the newest draft (saves replace one another).</summary>
    private async Task<IReadOnlyList<(MessageSummary Summary, MimeMessage Message)>> WaitForDraftAsync(Account account, Func<MimeMessage, bool> complete)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var drafts = await fixture.FolderAsync(account, SpecialFolder.Drafts);
            if ((drafts.Count == 1 && complete(drafts[0].Message)) || DateTime.UtcNow > until)
                return drafts;
            await Task.Delay(100);
        }
    }
}
