using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>The reading flows in a real Chromium against the whole server.</summary>
public sealed class MailboxFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static ILocator Row(IPage page, string subject) => page.Locator(".message-row", new() { HasText = subject });

    private static ILocator Unread(IPage page, string folder) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByRole(AriaRole.Link, new() { Name = folder });

    [Fact]
    public async Task NewMailAppearsLiveInTheListAndUnreadCount()
    {
        var account = await web.NewAccountAsync("live");
        await web.DeliverAsync(account, "First message");
        var page = await web.SignInAsync(account);
        await Row(page, "First message").WaitForAsync();
        await Assertions.Expect(Unread(page, "Inbox")).ToHaveAccessibleNameAsync(new Regex("Inbox 1 unread"));

        await web.DeliverAsync(account, "Arrives while watching", body: "live body");

        await Assertions.Expect(Row(page, "Arrives while watching")).ToBeVisibleAsync();
        await Assertions.Expect(Unread(page, "Inbox")).ToHaveAccessibleNameAsync(new Regex("Inbox 2 unread"));
        await WebFixture.ScreenshotAsync(page, "inbox-desktop");
    }

    [Fact]
    public async Task OpeningAMessageShowsHeadersAndMarksItRead()
    {
        var account = await web.NewAccountAsync("open");
        await web.DeliverAsync(account, "Read me", body: "Plain body with a link https://example.org/page and <b>no markup</b>.", from: "Carol Example <carol@remote.example>");
        var page = await web.SignInAsync(account);

        await page.GetByRole(AriaRole.Link, new() { Name = "Read me" }).ClickAsync();

        var reader = page.GetByRole(AriaRole.Region, new() { Name = "Reading pane" });
        await Assertions.Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "Read me" })).ToBeVisibleAsync();
        await Assertions.Expect(reader).ToContainTextAsync("Carol Example");
        await Assertions.Expect(reader).ToContainTextAsync("<carol@remote.example>");
        await Assertions.Expect(reader).ToContainTextAsync("<b>no markup</b>");
        await Assertions.Expect(reader.GetByRole(AriaRole.Link, new() { Name = "https://example.org/page" })).ToHaveAttributeAsync("href", "https://example.org/page");
        await Assertions.Expect(reader.GetByRole(AriaRole.Button, new() { Name = "Reply", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(reader.GetByRole(AriaRole.Button, new() { Name = "Reply all" })).ToBeVisibleAsync();
        await Assertions.Expect(reader.GetByRole(AriaRole.Button, new() { Name = "Forward" })).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "Read me")).Not.ToHaveClassAsync(new Regex("message-row--unread"));
        await Assertions.Expect(Unread(page, "Inbox")).ToHaveAccessibleNameAsync("Inbox");
        await WebFixture.ScreenshotAsync(page, "reading-desktop");
    }

    [Fact]
    public async Task MoveToFolderCanBeUndone()
    {
        var account = await web.NewAccountAsync("move");
        var projects = await web.Server.Messages.CreateFolderAsync(account.Id, "Projects", null, default);
        var id = await web.DeliverAsync(account, "Project plan");
        var page = await web.SignInAsync(account);
        await Row(page, "Project plan").GetByRole(AriaRole.Checkbox).CheckAsync();

        await page.GetByRole(AriaRole.Toolbar, new() { Name = "Message actions" }).GetByRole(AriaRole.Button, new() { Name = "Move to" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Projects" }).ClickAsync();

        await Assertions.Expect(Row(page, "Project plan")).ToHaveCountAsync(0);
        Assert.Equal(projects.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, id, default))!.FolderId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Assertions.Expect(Row(page, "Project plan")).ToBeVisibleAsync();
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        Assert.Equal(inbox.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, id, default))!.FolderId);
    }

    [Fact]
    public async Task DeleteMovesToTrashAndCanBeUndone()
    {
        var account = await web.NewAccountAsync("delete");
        var id = await web.DeliverAsync(account, "Throw away");
        var page = await web.SignInAsync(account);
        await page.GetByRole(AriaRole.Link, new() { Name = "Throw away" }).ClickAsync();

        await page.GetByRole(AriaRole.Toolbar, new() { Name = "Message" }).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();

        await Assertions.Expect(Row(page, "Throw away")).ToHaveCountAsync(0);
        var trash = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Trash, default);
        Assert.Equal(trash.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, id, default))!.FolderId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Assertions.Expect(Row(page, "Throw away")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task BulkMarkReadClearsUnreadCount()
    {
        var account = await web.NewAccountAsync("bulk");
        for (var i = 0; i < 3; i++)
            await web.DeliverAsync(account, $"Bulk {i}");
        var page = await web.SignInAsync(account);
        await Assertions.Expect(Unread(page, "Inbox")).ToHaveAccessibleNameAsync(new Regex("Inbox 3 unread"));

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select all messages on this page" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark as read" }).ClickAsync();

        await Assertions.Expect(Unread(page, "Inbox")).ToHaveAccessibleNameAsync("Inbox");
        await Assertions.Expect(page.Locator(".message-row--unread")).ToHaveCountAsync(0);
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        Assert.Equal(0, inbox.UnreadCount);
    }

    [Fact]
    public async Task SearchFindsByBodyWordAndBySender()
    {
        var account = await web.NewAccountAsync("search");
        await web.DeliverAsync(account, "Quarterly numbers", body: "The zeppelin report is attached.", from: "Finance <finance@remote.example>");
        await web.DeliverAsync(account, "Lunch", body: "Pizza on Friday?", from: "Dave <dave@remote.example>");
        var page = await web.SignInAsync(account);
        var search = page.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" });

        await search.FillAsync("zeppelin");
        await search.PressAsync("Enter");
        await Assertions.Expect(Row(page, "Quarterly numbers")).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "Lunch")).ToHaveCountAsync(0);

        await search.FillAsync("from:dave");
        await search.PressAsync("Enter");
        await Assertions.Expect(Row(page, "Lunch")).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "Quarterly numbers")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task PhoneShowsOnePaneAtATime()
    {
        var account = await web.NewAccountAsync("phone");
        await web.DeliverAsync(account, "Small screen", body: "Read on a phone.");
        var page = await web.SignInAsync(account, width: 390, height: 844);
        await WebFixture.ScreenshotAsync(page, "inbox-phone");
        var folders = page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" });
        await Assertions.Expect(folders).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Small screen" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Small screen" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Small screen" })).ToBeHiddenAsync();
        await WebFixture.ScreenshotAsync(page, "reading-phone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Back to list" }).ClickAsync();
        // The folders are in the one navigation drawer.
        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();
        await Assertions.Expect(folders).ToBeVisibleAsync();
    }
}
