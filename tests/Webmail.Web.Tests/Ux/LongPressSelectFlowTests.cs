using Microsoft.Playwright;

namespace Webmail.Web.Tests.Ux;

/// <summary>Selection by touch on a phone (390 × 844, touch): a long press selects a row, then taps toggle rows; a mouse click still opens.</summary>
public sealed class LongPressSelectFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static ILocator Row(IPage page, string subject) => page.Locator(".message-row", new() { HasText = subject });

    private static ILocator Check(IPage page, string subject) => Row(page, subject).Locator("input.list-check");

    /// <summary>A finger held on the row's centre for <paramref name="holdMs"/>, through Chromium's touch input (real touch and pointer events).</summary>
    private static async Task PressAsync(IPage page, ICDPSession cdp, string subject, int holdMs)
    {
        var box = (await Row(page, subject).Locator(".message-link").BoundingBoxAsync())!;
        var point = new Dictionary<string, object> { ["x"] = box.X + box.Width / 2, ["y"] = box.Y + box.Height / 2 };
        await cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object> { ["type"] = "touchStart", ["touchPoints"] = new[] { point } });
        await page.WaitForTimeoutAsync(holdMs);
        await cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object> { ["type"] = "touchEnd", ["touchPoints"] = Array.Empty<object>() });
    }

    [Fact]
    public async Task ALongPressSelectsARowAndTapsThenToggleRows()
    {
        var account = await web.NewAccountAsync("longpress");
        await web.DeliverAsync(account, "Alpha notes");
        await web.DeliverAsync(account, "Bravo plans");
        var charlie = await web.DeliverAsync(account, "Charlie report");
        var context = await web.Browser.Instance.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            HasTouch = true,
        });
        var page = await context.NewPageAsync();
        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address);
        await Assertions.Expect(Row(page, "Bravo plans")).ToBeVisibleAsync();
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        var cdp = await context.NewCDPSessionAsync(page);
        var list = page.Url;

        // A long press selects the row and stays on the list.
        await PressAsync(page, cdp, "Bravo plans", 800);
        await Assertions.Expect(Check(page, "Bravo plans")).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByText("1 selected", new() { Exact = true })).ToBeVisibleAsync();
        Assert.Equal(list, page.Url);

        // In selection mode a tap toggles a row instead of opening it.
        await Row(page, "Alpha notes").Locator(".message-link").TapAsync();
        await Assertions.Expect(page.GetByText("2 selected", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(Check(page, "Alpha notes")).ToBeCheckedAsync();
        await Screens.TakeAsync(page, "long-press-selection");
        await Row(page, "Bravo plans").Locator(".message-link").TapAsync();
        await Assertions.Expect(page.GetByText("1 selected", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(Check(page, "Bravo plans")).Not.ToBeCheckedAsync();
        Assert.Equal(list, page.Url);

        // A short touch is a tap, not a press: with nothing selected any more, a tap opens the message.
        await Row(page, "Alpha notes").Locator(".message-link").TapAsync();
        await Assertions.Expect(page.GetByText("selected", new() { Exact = false })).ToHaveCountAsync(0);
        await PressAsync(page, cdp, "Charlie report", 50);
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.EndsWith($"/message/{charlie}", StringComparison.Ordinal));
        await context.CloseAsync();
    }
}
