using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>
/// The shortcut help's round trips in a real Chromium: the help is on the page a moment before the
/// circuit knows it is shown, and still on the page a moment after the circuit closed it. Keys
/// pressed in those moments are pressed without waiting here, as a quick typist would.
/// </summary>
public sealed class ShortcutHelpFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static Task ShortcutsReadyAsync(IPage page) => page.Locator(".mailbox[data-shortcuts='on']").WaitForAsync();

    private static ILocator Help(IPage page) => page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" });

    [Fact]
    public async Task AKeyPressedRightAfterEscapeClosesTheHelpReachesTheMailbox()
    {
        var account = await web.NewAccountAsync("quickkeys");
        await web.DeliverAsync(account, "Anything");
        var page = await web.SignInAsync(account);
        await ShortcutsReadyAsync(page);
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(Help(page)).ToBeVisibleAsync();

        // No wait between the two: the help is still on the page when "c" is pressed.
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("c");

        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex("/compose$").IsMatch);
        await Assertions.Expect(page.GetByLabel("Subject", new() { Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task EscapeOnTheHelpLeavesTheOpenMessageOpen()
    {
        var account = await web.NewAccountAsync("helpescape");
        var id = await web.DeliverAsync(account, "Stay open");
        var page = await web.SignInAsync(account);
        await Browser.ClickToNavigateAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Stay open" }), new Regex($"/message/{id}$"));
        var toolbar = page.GetByRole(AriaRole.Toolbar, new() { Name = "Message", Exact = true });
        await toolbar.WaitForAsync();
        await ShortcutsReadyAsync(page);
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(Help(page)).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(Help(page)).ToHaveCountAsync(0);

        // The circuit handles events in order: once the flag set after the Escape shows, a message
        // close caused by that Escape would have shown first.
        await toolbar.GetByRole(AriaRole.Button, new() { Name = "Flag", Exact = true }).ClickAsync();
        await Assertions.Expect(toolbar.GetByRole(AriaRole.Button, new() { Name = "Unflag", Exact = true })).ToBeVisibleAsync();
        Assert.Matches($"/message/{id}$", page.Url);

        // The next Escape is the message's.
        await page.Keyboard.PressAsync("Escape");
        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex(@"/folder/\d+$").IsMatch);
    }
}
