using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Accounts;

namespace Webmail.Web.Tests;

/// <summary>Settings → Allowed and blocked senders in Chromium: add with the keyboard and the buttons, a clear error, move, remove.</summary>
public sealed class SenderListFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static ILocator Row(IPage page, string text) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    [Fact]
    public async Task SendersAreAllowedBlockedMovedAndRemovedInSettings()
    {
        var account = await web.NewAccountAsync("lists");
        var page = await web.SignInAsync(account);
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Allowed and blocked senders" }).ScrollIntoViewIfNeededAsync();
        // Before the circuit is up the form would post as a plain HTML form: wait for it.
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByText("No senders on your lists")).ToBeVisibleAsync();
        var field = page.GetByLabel("Sender address or domain");
        var allow = page.GetByRole(AriaRole.Button, new() { Name = "Always allow this sender" });
        var block = page.GetByRole(AriaRole.Button, new() { Name = "Always block this sender" });

        // The buttons are enabled once the circuit has the typed text: only then is there something to add.
        async Task TypeAsync(string text)
        {
            await field.FillAsync(text);
            await Assertions.Expect(allow).ToBeEnabledAsync();
        }

        // Enter submits the form: the first button, Always allow.
        await TypeAsync("Friend@Example.com");
        await field.PressAsync("Enter");
        await Assertions.Expect(Row(page, "friend@example.com")).ToContainTextAsync("Allowed");

        await TypeAsync("*.spam.example");
        await block.ClickAsync();
        await Assertions.Expect(Row(page, "spam.example (whole domain)")).ToContainTextAsync("Blocked");
        await Assertions.Expect(field).ToHaveValueAsync("");

        await TypeAsync("not an address");
        await block.ClickAsync();
        // The snackbars are alerts too: the form's own error is the one with the explanation.
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Enter an address such as friend@example.com or a domain such as example.com." })).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "settings-sender-lists");

        // The same sender put on the other list moves there: one entry per sender.
        await TypeAsync("friend@example.com");
        await block.ClickAsync();
        await Assertions.Expect(Row(page, "friend@example.com")).ToContainTextAsync("Blocked");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove friend@example.com from the list" }).ClickAsync();
        await Assertions.Expect(Row(page, "friend@example.com")).ToHaveCountAsync(0);

        var stored = await web.Server.Services.GetRequiredService<SenderListService>().ListAsync(account.Id, default);
        var entry = Assert.Single(stored);
        Assert.Equal(("spam.example", SenderListKind.Block), (entry.Pattern, entry.Kind));

        // A reload shows what is stored, and the narrow layout keeps every control reachable.
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Allowed and blocked senders" }).ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(Row(page, "spam.example (whole domain)")).ToContainTextAsync("Blocked");
        await Assertions.Expect(allow).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "settings-sender-lists-narrow");
    }

    [Fact]
    public async Task AnotherAccountsEntryCannotBeRemoved()
    {
        var owner = await web.NewAccountAsync("owner");
        var other = await web.NewAccountAsync("intruder");
        var lists = web.Server.Services.GetRequiredService<SenderListService>();
        var entry = await lists.AddAsync(owner.Id, SenderListKind.Block, "x.example", default);

        var refused = await Assert.ThrowsAsync<DirectoryException>(() => lists.RemoveAsync(other.Id, entry.Id, default));

        Assert.Equal("That entry is no longer on the list.", refused.Message);
        Assert.Single(await lists.ListAsync(owner.Id, default));
    }
}
