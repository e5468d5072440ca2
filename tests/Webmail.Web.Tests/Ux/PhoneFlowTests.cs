using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webmail.Core.Model;

namespace Webmail.Web.Tests.Ux;

/// <summary>
/// Reading on a phone (390 × 844, touch) and on a desktop (1280 × 900): the HTML body sized to its content
/// and a wide newsletter zoomed to fit, long recipient lists folded, the floating Compose button, the one
/// navigation drawer, 44 px tap targets, and visible keyboard focus.
/// </summary>
public sealed class PhoneFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private async Task<IPage> SignInAsync(Account account, int width, int height)
    {
        var context = await web.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            HasTouch = true,
        });
        var page = await context.NewPageAsync();
        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address);
        return page;
    }

    /// <summary>A 600 px-wide table newsletter, longer than a phone screen, to 40 people.</summary>
    private static byte[] Newsletter(string to)
    {
        var recipients = string.Join(",\n ", Enumerable.Range(1, 39).Select(i => $"Reader {i} <reader{i}@list.example>").Prepend(to));
        var rows = string.Concat(Enumerable.Range(1, 30).Select(i =>
            $"<tr><td style=\"width:600px;padding:12px;font-size:16px\">Story {i}: the wide column of a newsletter written for a 600 pixel desktop window.</td></tr>"));
        var html = $"<table width=\"600\" style=\"width:600px;min-width:600px;border-collapse:collapse\" cellpadding=\"0\" cellspacing=\"0\">" +
                   $"<tr><td style=\"width:600px;background:#1a237e;color:#fff;font-size:28px;padding:16px\">Weekly wide news</td></tr>{rows}" +
                   "<tr><td style=\"width:600px;text-align:right\">END-OF-NEWSLETTER</td></tr></table>";
        return WebFixture.Ascii(
            $"From: Wide News <news@wide.example>\nTo: {recipients}\nSubject: Weekly wide news\nDate: Sat, 05 Dec 2026 09:00:00 +0000\n" +
            $"Message-ID: <{Guid.NewGuid():N}@wide.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<html><body>{html}</body></html>\n");
    }

    /// <summary>What the frame shows, measured inside it: its own scroll sizes against its viewport, and the zoom app.js set.</summary>
    private sealed class FrameFit
    {
        public double FrameWidth { get; set; }
        public double FrameHeight { get; set; }
        public double ScrollWidth { get; set; }
        public double ClientWidth { get; set; }
        public double ScrollHeight { get; set; }
        public double ClientHeight { get; set; }
        public double Zoom { get; set; }
        public double FrameRight { get; set; }
        public bool ScriptsAllowed { get; set; }
    }

    private static Task<FrameFit> MeasureFrameAsync(IPage page) => page.EvaluateAsync<FrameFit>(@"() => {
        const f = document.querySelector('iframe.reader-body-frame');
        const s = f.contentDocument.scrollingElement;
        return { frameWidth: f.clientWidth, frameHeight: f.clientHeight, scrollWidth: s.scrollWidth, clientWidth: s.clientWidth,
                 scrollHeight: s.scrollHeight, clientHeight: s.clientHeight, zoom: parseFloat(f.contentDocument.documentElement.style.zoom) || 1,
                 frameRight: f.getBoundingClientRect().right, scriptsAllowed: f.sandbox.contains('allow-scripts') };
    }");

    private static Task WaitForFittedFrameAsync(IPage page) =>
        page.WaitForFunctionAsync("() => { const f = document.querySelector('iframe.reader-body-frame'); return f && f.style.height !== '' && f.contentDocument && f.contentDocument.readyState === 'complete'; }");

    [Fact]
    public async Task OnAPhoneAWideNewsletterIsZoomedToFitAndItsFrameHasNoScrollBoxOfItsOwn()
    {
        var account = await web.NewAccountAsync("wide");
        await web.DeliverAsync(account, Newsletter(account.Address));
        var page = await SignInAsync(account, 390, 844);

        await page.GetByRole(AriaRole.Link, new() { Name = "Weekly wide news" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Weekly wide news" })).ToBeVisibleAsync();
        await WaitForFittedFrameAsync(page);

        var fit = await MeasureFrameAsync(page);
        Assert.False(fit.ScriptsAllowed);
        Assert.True(fit.FrameRight <= 390, $"The frame reaches {fit.FrameRight} px on a 390 px screen.");
        Assert.True(fit.Zoom < 0.7, $"A 600 px newsletter in a {fit.FrameWidth} px frame should be zoomed out, zoom is {fit.Zoom}.");
        Assert.True(fit.ScrollWidth <= fit.ClientWidth + 1, $"The frame scrolls sideways: {fit.ScrollWidth} > {fit.ClientWidth}.");
        Assert.True(fit.ScrollHeight <= fit.ClientHeight + 1, $"The frame scrolls inside: {fit.ScrollHeight} > {fit.ClientHeight}.");
        Assert.True(fit.FrameHeight > 844, $"The whole newsletter is taller than the screen, the frame is {fit.FrameHeight} px.");

        // The page scrolls to the newsletter's end: the last line is there, not cut off in an inner box.
        var frame = page.FrameLocator("iframe[title='Message body']");
        await frame.GetByText("END-OF-NEWSLETTER").ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(frame.GetByText("END-OF-NEWSLETTER")).ToBeInViewportAsync();
        await Screens.TakeAsync(page, "phone-newsletter", () => WaitForFittedFrameAsync(page));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OnADesktopAMailThatFitsIsNotZoomedAndItsFrameIsSizedToItsContent()
    {
        var account = await web.NewAccountAsync("desk");
        var paragraphs = string.Concat(Enumerable.Range(1, 60).Select(i => $"<p>Paragraph {i} of a long letter that flows to the width of the pane.</p>"));
        await web.DeliverAsync(account, WebFixture.Ascii(
            $"From: Pen Pal <pal@remote.example>\nTo: {account.Address}\nSubject: A long letter\nDate: Sat, 05 Dec 2026 09:00:00 +0000\n" +
            $"Message-ID: <{Guid.NewGuid():N}@remote.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<html><body>{paragraphs}</body></html>\n"));
        await web.DeliverAsync(account, Newsletter(account.Address));
        var page = await SignInAsync(account, 1280, 900);

        await page.GetByRole(AriaRole.Link, new() { Name = "A long letter" }).ClickAsync();
        await WaitForFittedFrameAsync(page);

        var fit = await MeasureFrameAsync(page);
        Assert.Equal(1, fit.Zoom);
        Assert.True(fit.ScrollHeight <= fit.ClientHeight + 1, $"The frame scrolls inside: {fit.ScrollHeight} > {fit.ClientHeight}.");
        Assert.True(fit.FrameHeight > 900, $"The frame is {fit.FrameHeight} px: the page, not the frame, should scroll.");

        // The 600 px newsletter in a narrower reading pane is zoomed just enough.
        await page.GetByRole(AriaRole.Link, new() { Name = "Weekly wide news" }).ClickAsync();
        await page.FrameLocator("iframe[title='Message body']").GetByText("END-OF-NEWSLETTER").WaitForAsync();
        await WaitForFittedFrameAsync(page);
        fit = await MeasureFrameAsync(page);
        Assert.True(fit.ScrollWidth <= fit.ClientWidth + 1, $"The frame scrolls sideways: {fit.ScrollWidth} > {fit.ClientWidth}.");
        Assert.True(fit.ScrollHeight <= fit.ClientHeight + 1, $"The frame scrolls inside: {fit.ScrollHeight} > {fit.ClientHeight}.");
        await Screens.TakeAsync(page, "newsletter", () => WaitForFittedFrameAsync(page));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FortyRecipientsShowTwoAndAnExpandableAnd38Others()
    {
        var account = await web.NewAccountAsync("many");
        await web.DeliverAsync(account, Newsletter(account.Address));
        var page = await SignInAsync(account, 390, 844);
        await page.GetByRole(AriaRole.Link, new() { Name = "Weekly wide news" }).ClickAsync();

        var headers = page.Locator(".reader-headers");
        var to = headers.Locator("dt:text-is('To') + dd");
        await Assertions.Expect(to.Locator(".address")).ToHaveCountAsync(2);
        var more = to.GetByRole(AriaRole.Button, new() { Name = "and 38 others" });
        await Assertions.Expect(more).ToBeVisibleAsync();
        var box = await headers.BoundingBoxAsync();
        Assert.True(box!.Height < 200, $"The headers take {box.Height} px of an 844 px screen.");
        await Screens.TakeAsync(page, "phone-recipients-folded");

        await more.ClickAsync();

        await Assertions.Expect(to.Locator(".address")).ToHaveCountAsync(40);
        await Assertions.Expect(to).ToContainTextAsync("reader39@list.example");
        await Assertions.Expect(more).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task APhoneHasAFloatingComposeButtonAndOneDrawerWithTheFolders()
    {
        var account = await web.NewAccountAsync("drawer");
        await web.DeliverAsync(account, "Drawer check");
        var page = await SignInAsync(account, 390, 844);
        await page.GetByRole(AriaRole.Link, new() { Name = "Drawer check" }).WaitForAsync();

        // The floating Compose button sits at the bottom right, above the list.
        var compose = page.GetByRole(AriaRole.Link, new() { Name = "Compose", Exact = true });
        await Assertions.Expect(compose).ToHaveCountAsync(1);
        var fab = await compose.BoundingBoxAsync();
        Assert.True(fab!.X + fab.Width > 330 && fab.Y + fab.Height > 760, $"Compose is at {fab.X},{fab.Y}.");
        // No second way to the folders: the menu button opens the one drawer.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show folders" })).ToHaveCountAsync(0);
        var drawer = page.Locator("aside.mud-drawer");
        await Assertions.Expect(drawer).ToHaveAttributeAsync("inert", "");
        await Screens.TakeAsync(page, "phone-list");

        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).TapAsync();

        var folders = page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" });
        await Assertions.Expect(folders.GetByRole(AriaRole.Link, new() { Name = "Sent" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" }).GetByRole(AriaRole.Link, new() { Name = "Filters" })).ToBeVisibleAsync();
        await Assertions.Expect(drawer).Not.ToHaveAttributeAsync("inert", "");
        await Assertions.Expect(folders).ToContainTextAsync("used");
        await page.WaitForFunctionAsync("() => document.querySelector('aside.mud-drawer').getBoundingClientRect().left === 0");
        await WebFixture.ScreenshotAsync(page, "phone-drawer-light");

        await folders.GetByRole(AriaRole.Link, new() { Name = "Sent" }).TapAsync();

        await Webmail.Testing.Browser.WaitForUrlAsync(page, new Regex("/folder/\\d+$").IsMatch);
        await Assertions.Expect(drawer).ToHaveAttributeAsync("inert", "");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Message list" })).ToContainTextAsync("No messages in Sent");
        await Webmail.Testing.Browser.ClickToNavigateAsync(page, compose, new Regex("/compose$"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OnADesktopTheFoldersStayInTheirPaneAndTheDrawerHasOnlyTheAppLinks()
    {
        var account = await web.NewAccountAsync("wide-drawer");
        var page = await SignInAsync(account, 1280, 900);

        var folders = page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" });
        await Assertions.Expect(folders).ToHaveCountAsync(1);
        await Assertions.Expect(folders.GetByRole(AriaRole.Link, new() { Name = "Compose" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".compose-fab")).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" }).GetByRole(AriaRole.Link, new() { Name = "Filters" })).ToBeVisibleAsync();
        await Assertions.Expect(folders).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OnATouchScreenRowsCheckBoxesAndToolbarButtonsAre44PixelsOrMore()
    {
        var account = await web.NewAccountAsync("taps");
        await web.DeliverAsync(account, "Tap target check");
        var page = await SignInAsync(account, 390, 844);
        await page.GetByRole(AriaRole.Link, new() { Name = "Tap target check" }).WaitForAsync();

        var small = await page.EvaluateAsync<string[]>(SmallTargets, ".message-row, .list-check-target, .star, .list-toolbar .mud-icon-button, .list-search .mud-icon-button, .mud-appbar .mud-icon-button");
        Assert.Empty(small);

        await page.GetByRole(AriaRole.Link, new() { Name = "Tap target check" }).TapAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Toolbar, new() { Name = "Message" })).ToBeVisibleAsync();
        small = await page.EvaluateAsync<string[]>(SmallTargets, ".reader-toolbar .mud-icon-button");
        Assert.Empty(small);
        await Screens.TakeAsync(page, "phone-reading");

        // A check box's whole 44 px target selects its row.
        await page.GoBackAsync();
        var target = page.Locator(".message-row .list-check-target").First;
        var box = await target.BoundingBoxAsync();
        await page.Touchscreen.TapAsync(box!.X + 3, box.Y + 3);
        await Assertions.Expect(page.GetByText("1 selected")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>Every visible element matching the selector that is under 44 × 44 px, described.</summary>
    private const string SmallTargets = @"selector => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null)
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width < 44 || r.height < 44)
        .map(([e, r]) => (e.getAttribute('aria-label') || e.className) + ': ' + Math.round(r.width) + 'x' + Math.round(r.height))";

    [Fact]
    public async Task KeyboardFocusIsVisibleOnFoldersRowsAndControlsAndTheClosedDrawerIsNotInTheTabOrder()
    {
        var account = await web.NewAccountAsync("focus");
        await web.DeliverAsync(account, "Focus check");
        var page = await SignInAsync(account, 1280, 900);
        await page.GetByRole(AriaRole.Link, new() { Name = "Focus check" }).WaitForAsync();

        var seen = new HashSet<string>();
        for (var i = 0; i < 60 && seen.Count < 4; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string[]>(@"() => {
                const e = document.activeElement, s = getComputedStyle(e);
                const kind = e.closest('.mud-drawer') ? 'drawer' : e.matches('.folder-link') ? 'folder' : e.matches('.message-link') ? 'row'
                    : e.matches('.list-check') ? 'checkbox' : e.matches('.mud-icon-button') ? 'button' : 'other';
                return [kind, s.outlineStyle, s.outlineWidth, e.outerHTML.slice(0, 80)];
            }");
            Assert.NotEqual("drawer", focused[0]);
            if (focused[0] == "other")
                continue;
            Assert.True(focused[1] == "solid" && focused[2] == "2px", $"No visible focus on {focused[3]}: outline {focused[1]} {focused[2]}.");
            seen.Add(focused[0]);
        }
        Assert.Equal(["button", "checkbox", "folder", "row"], seen.Order());
        await page.Context.CloseAsync();
    }
}
