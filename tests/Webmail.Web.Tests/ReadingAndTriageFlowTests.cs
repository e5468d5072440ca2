using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>Issue 25 in a real Chromium: conversations with folded quotes, the user's zone, a list to scan, search, keys and triage.</summary>
public sealed class ReadingAndTriageFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static ILocator Row(IPage page, string text) => page.Locator(".message-row", new() { HasText = text });

    private static ILocator Reader(IPage page) => page.GetByRole(AriaRole.Region, new() { Name = "Reading pane" });

    private static Task ShortcutsReadyAsync(IPage page) => page.Locator(".mailbox[data-shortcuts='on']").WaitForAsync();

    private async Task<long> AppendAsync(Account account, SpecialFolder folder, byte[] raw, MessageFlags flags = MessageFlags.None, DateTimeOffset? arrived = null)
    {
        var target = await web.Server.Messages.GetSpecialFolderAsync(account.Id, folder, default);
        return (await web.Server.Messages.AppendAsync(account.Id, target.Id, raw, flags, arrived)).Id;
    }

    private async Task UseThemeAsync(Account account, string theme)
    {
        var settings = await web.Server.Directory.GetSettingsAsync(account.Id, default);
        await web.Server.Services.GetRequiredService<Webmail.Core.Accounts.DirectoryService>().SaveSettingsAsync(account.Id, settings with { Theme = theme }, default);
    }

    /// <summary>Desktop 1280×900 and phone 390×844, light and dark, of what <paramref name="show"/> opens.</summary>
    private async Task ScreenshotsAsync(Account account, string name, Func<IPage, Task> show)
    {
        foreach (var theme in new[] { "light", "dark" })
        {
            await UseThemeAsync(account, theme);
            foreach (var (width, height, device) in new[] { (1280, 900, "desktop"), (390, 844, "phone") })
            {
                var page = await web.SignInAsync(account, width, height);
                await show(page);
                await WebFixture.ScreenshotAsync(page, $"{name}-{device}-{theme}");
                await page.Context.CloseAsync();
            }
        }
    }

    [Fact]
    public async Task AConversationIsOneRowAndOpensAtItsFirstUnreadMessageWithQuotesFolded()
    {
        var account = await web.NewAccountAsync("thread");
        await web.DeliverAsync(account, TestMessages.Simple(from: "Carol <carol@remote.example>", to: account.Address, subject: "Trip plans", body: "Shall we go to Lisbon in May?", messageId: "<trip1@remote.example>"), MessageFlags.Seen);
        await web.DeliverAsync(account, TestMessages.Simple(from: "Dave <dave@remote.example>", to: account.Address, subject: "Re: Trip plans", messageId: "<trip2@remote.example>",
            extraHeaders: "In-Reply-To: <trip1@remote.example>\r\nReferences: <trip1@remote.example>\r\n",
            body: "May works for me.\n\nOn Sat, 28 Nov 2026 at 10:00, Carol <carol@remote.example> wrote:\n> Shall we go to Lisbon in May?\n\n-- \nDave\nPhone 555 0100"));
        await web.DeliverAsync(account, TestMessages.Simple(from: "Carol <carol@remote.example>", to: account.Address, subject: "Re: Trip plans", messageId: "<trip3@remote.example>",
            extraHeaders: "In-Reply-To: <trip2@remote.example>\r\nReferences: <trip1@remote.example> <trip2@remote.example>\r\n", body: "Booking the flights."));
        var page = await web.SignInAsync(account, 1280, 900);

        // Grouped by default: one row, three messages.
        var row = Row(page, "Trip plans");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.GetByLabel("3 messages")).ToBeVisibleAsync();
        await row.Locator(".message-link").ClickAsync();

        var items = Reader(page).Locator(".conversation-item");
        await Assertions.Expect(items).ToHaveCountAsync(3);
        // The read one is a line; the first unread one is open, with its quote and signature folded.
        await Assertions.Expect(items.Nth(0).Locator(".conversation-toggle")).ToHaveAttributeAsync("aria-expanded", "false");
        await Assertions.Expect(items.Nth(1).Locator(".conversation-toggle")).ToHaveAttributeAsync("aria-expanded", "true");
        var second = items.Nth(1);
        await Assertions.Expect(second).ToContainTextAsync("May works for me.");
        await Assertions.Expect(second.Locator(".reader-text")).Not.ToContainTextAsync("Shall we go to Lisbon");
        var toggles = second.GetByRole(AriaRole.Button, new() { Name = "Show quoted text", Exact = true });
        await Assertions.Expect(toggles).ToHaveCountAsync(2);
        await toggles.First.ClickAsync();
        await Assertions.Expect(second.Locator(".reader-quote")).ToContainTextAsync("> Shall we go to Lisbon in May?");
        await Assertions.Expect(second.GetByRole(AriaRole.Button, new() { Name = "Hide quoted text", Exact = true })).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(second.Locator(".reader-text")).Not.ToContainTextAsync("Phone 555 0100");

        await ScreenshotsAsync(account, "conversation", async p =>
        {
            await Row(p, "Trip plans").Locator(".message-link").ClickAsync();
            await Assertions.Expect(Reader(p).Locator(".conversation-item")).ToHaveCountAsync(3);
        });
    }

    [Fact]
    public async Task TimesAreInTheBrowsersZoneAndTheListShowsArrival()
    {
        var account = await web.NewAccountAsync("zone");
        // Date header: Sat, 28 Nov 2026 10:00 +0000; arrival 10 March 2025 23:30 UTC.
        await AppendAsync(account, SpecialFolder.Inbox, TestMessages.Simple(to: account.Address, subject: "Zoned"), arrived: new DateTimeOffset(2025, 3, 10, 23, 30, 0, TimeSpan.Zero));
        var context = await web.Browser.NewContextAsync(new BrowserNewContextOptions { TimezoneId = "Asia/Tokyo", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address);

        await page.Locator(".mailbox[data-zone='Asia/Tokyo']").WaitForAsync();
        var time = Row(page, "Zoned").Locator("time");
        await Assertions.Expect(time).ToHaveTextAsync("11 Mar 2025");
        await Assertions.Expect(time).ToHaveAttributeAsync("title", "Tue, 11 Mar 2025 08:30");
        Assert.Equal("Asia/Tokyo", (await web.Server.Directory.GetSettingsAsync(account.Id, default)).BrowserTimeZone);

        await Row(page, "Zoned").Locator(".message-link").ClickAsync();
        await Assertions.Expect(Reader(page).Locator(".reader-headers time")).ToHaveTextAsync("Sat, 28 Nov 2026 19:00");
        await context.CloseAsync();
    }

    [Fact]
    public async Task TheListFitsTwentyRowsAndSentAndDraftsNameTheRecipients()
    {
        var account = await web.NewAccountAsync("scan");
        for (var i = 1; i <= 30; i++)
            await web.DeliverAsync(account, $"Newsletter number {i}", "A preview line that is long enough to be cut at the end of the row.");
        await AppendAsync(account, SpecialFolder.Sent, TestMessages.Simple(from: account.Address, to: "Carol Jones <carol@remote.example>", subject: "Sent to Carol"), MessageFlags.Seen);
        await AppendAsync(account, SpecialFolder.Drafts, TestMessages.Simple(from: account.Address, to: "Erin <erin@remote.example>", subject: "Half written"), MessageFlags.Seen | MessageFlags.Draft);
        var page = await web.SignInAsync(account, 1280, 900);
        await Assertions.Expect(Row(page, "Newsletter number 30")).ToBeVisibleAsync();

        var visible = await page.EvaluateAsync<int>("""
            () => { const list = document.querySelector('.mailbox-list').getBoundingClientRect();
                    return [...document.querySelectorAll('.message-row')].filter(r => r.getBoundingClientRect().bottom <= list.bottom).length; }
            """);
        Assert.InRange(visible, 18, 30);
        // Hairline dividers: the palette's light divider is no longer 80 % black.
        var divider = await Row(page, "Newsletter number 30").EvaluateAsync<string>("r => getComputedStyle(r).borderBottomColor");
        Assert.Matches(@"^rgba\(0, 0, 0, 0\.0\d+\)$", divider);

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByRole(AriaRole.Link, new() { Name = "Sent" }).ClickAsync();
        await Assertions.Expect(Row(page, "Sent to Carol").Locator(".message-from")).ToHaveTextAsync("To: Carol Jones");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByRole(AriaRole.Link, new() { Name = "Drafts" }).ClickAsync();
        await Assertions.Expect(Row(page, "Half written").Locator(".message-from")).ToHaveTextAsync("To: ErinDraft");
        await Assertions.Expect(Row(page, "Half written").Locator(".message-draft")).ToBeVisibleAsync();

        await ScreenshotsAsync(account, "list", p => Assertions.Expect(Row(p, "Newsletter number 30")).ToBeVisibleAsync());
    }

    [Fact]
    public async Task SearchCoversAllFoldersAsYouTypeHighlightsSafelyAndHasOptions()
    {
        var account = await web.NewAccountAsync("search");
        await web.DeliverAsync(account, "Invoice 7 for November", "Please pay the invoice by Friday.");
        await AppendAsync(account, SpecialFolder.Archive, TestMessages.Simple(to: account.Address, subject: "<b>Invoice</b> 6 <img src=x onerror=alert(1)>", body: "The October invoice."), MessageFlags.Seen);
        await web.DeliverAsync(account, "Lunch", "Pizza?", from: "Bob Baker <bob@remote.example>");
        var page = await web.SignInAsync(account, 1280, 900);
        await Assertions.Expect(Row(page, "Lunch")).ToBeVisibleAsync();

        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" });
        await box.PressSequentiallyAsync("invo");
        // No Enter: the search runs once typing pauses, over every folder, the word a prefix.
        await Assertions.Expect(page.Locator(".list-banner")).ToContainTextAsync("Results for “invo” in all folders");
        await Assertions.Expect(page.Locator(".message-row")).ToHaveCountAsync(2);
        var archived = Row(page, "Invoice</b> 6");
        await Assertions.Expect(archived.Locator(".message-folder")).ToHaveTextAsync("Archive");
        await Assertions.Expect(archived.Locator(".message-subject mark")).ToHaveTextAsync("Invoice");
        await Assertions.Expect(archived.Locator(".message-subject")).ToHaveTextAsync("<b>Invoice</b> 6 <img src=x onerror=alert(1)>");
        await Assertions.Expect(page.Locator(".message-list img")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(page, "Invoice 7").Locator(".message-preview mark")).ToHaveTextAsync("invoice");
        await WebFixture.ScreenshotAsync(page, "search-results");

        await page.GetByRole(AriaRole.Button, new() { Name = "Search options" }).ClickAsync();
        var options = page.GetByRole(AriaRole.Dialog, new() { Name = "Search options" });
        await options.GetByLabel("Has the words").FillAsync("");
        await options.GetByLabel("From", new() { Exact = true }).FillAsync("Bob Baker");
        await WebFixture.ScreenshotAsync(page, "search-options");
        await options.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Assertions.Expect(box).ToHaveValueAsync("from:\"Bob Baker\" ");
        await Assertions.Expect(page.Locator(".list-banner")).ToContainTextAsync("from:");
        await Assertions.Expect(page.Locator(".message-row")).ToHaveCountAsync(1);
        await Assertions.Expect(Row(page, "Lunch")).ToBeVisibleAsync();

        await ScreenshotsAsync(account, "search", async p =>
        {
            await p.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" }).PressSequentiallyAsync("invo");
            await Assertions.Expect(p.Locator(".list-banner")).ToBeVisibleAsync();
            await Assertions.Expect(p.Locator(".message-row")).ToHaveCountAsync(2);
        });
    }

    [Fact]
    public async Task KeysTriageAndShiftClickKeepYourPlace()
    {
        var account = await web.NewAccountAsync("triage");
        var ids = new List<long>();
        for (var i = 1; i <= 5; i++)
            ids.Add(await web.DeliverAsync(account, $"Task {i}"));
        var page = await web.SignInAsync(account, 1280, 900);
        await Assertions.Expect(Row(page, "Task 1")).ToBeVisibleAsync();
        await ShortcutsReadyAsync(page);

        // Shift-click selects the range from the last click.
        await Row(page, "Task 5").Locator(".list-check").ClickAsync();
        await Row(page, "Task 3").Locator(".list-check").ClickAsync(new() { Modifiers = [KeyboardModifier.Shift] });
        await Assertions.Expect(page.GetByText("3 selected")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select all messages on this page" }).ClickAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select all messages on this page" }).ClickAsync();
        await Assertions.Expect(page.GetByText("selected")).ToHaveCountAsync(0);

        // Rows top to bottom: Task 5 … Task 1. Open Task 4: "2 of 5".
        await Row(page, "Task 4").Locator(".message-link").ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/message/{ids[3]}$").IsMatch);
        await Assertions.Expect(Reader(page).Locator(".reader-position")).ToHaveTextAsync("2 of 5");
        await Reader(page).GetByRole(AriaRole.Button, new() { Name = "Next message", Exact = true }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/message/{ids[2]}$").IsMatch);
        await Assertions.Expect(Reader(page).Locator(".reader-position")).ToHaveTextAsync("3 of 5");
        await WebFixture.ScreenshotAsync(page, "triage-position");

        // e archives and opens the next one; z puts it back.
        await page.Keyboard.PressAsync("e");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/message/{ids[1]}$").IsMatch);
        await Assertions.Expect(Row(page, "Task 3")).ToHaveCountAsync(0);
        var archive = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Archive, default);
        Assert.Equal(archive.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, ids[2], default))!.FolderId);
        await page.Keyboard.PressAsync("z");
        await Assertions.Expect(Row(page, "Task 3")).ToHaveCountAsync(1);

        // k opens the previous message; s stars it; Shift+U marks it unread, Shift+I read again.
        await page.Keyboard.PressAsync("k");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/message/{ids[2]}$").IsMatch);
        await page.Keyboard.PressAsync("s");
        await Assertions.Expect(Reader(page).GetByRole(AriaRole.Button, new() { Name = "Unflag", Exact = true })).ToBeVisibleAsync();
        Assert.True((await web.Server.Messages.GetSummaryAsync(account.Id, ids[2], default))!.IsFlagged);
        await page.Keyboard.PressAsync("Shift+U");
        await Assertions.Expect(Row(page, "Task 3")).ToHaveClassAsync(new Regex("message-row--unread"));
        await page.Keyboard.PressAsync("Shift+I");
        await Assertions.Expect(Row(page, "Task 3")).Not.ToHaveClassAsync(new Regex("message-row--unread"));

        // ! reports spam: to Junk, the next message opens.
        await page.Keyboard.PressAsync("!");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/message/{ids[1]}$").IsMatch);
        var junk = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Junk, default);
        Assert.Equal(junk.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, ids[2], default))!.FolderId);

        // u goes back to the list; x selects the row under the cursor.
        await page.Keyboard.PressAsync("u");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => !url.Contains("/message/", StringComparison.Ordinal));
        await page.Keyboard.PressAsync("x");
        await Assertions.Expect(page.GetByText("1 selected")).ToBeVisibleAsync();

        // g s, g d, g i go to Sent, Drafts and the Inbox.
        var sent = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Sent, default);
        var drafts = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Drafts, default);
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("s");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/folder/{sent.Id}$").IsMatch);
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("d");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/folder/{drafts.Id}$").IsMatch);
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("i");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex($"/folder/{inbox.Id}$").IsMatch);

        await page.Keyboard.PressAsync("?");
        var help = page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" });
        await Assertions.Expect(help).ToContainTextAsync("Go to Drafts");
        await Assertions.Expect(help).ToContainTextAsync("Undo the last move");
        Assert.True(await help.Locator("kbd").CountAsync() >= Webmail.Components.Mail.Mailbox.ShortcutList.Length);
        await WebFixture.ScreenshotAsync(page, "shortcut-help-full");
    }
}
