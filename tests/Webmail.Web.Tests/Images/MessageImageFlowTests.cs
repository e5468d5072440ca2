using Microsoft.Playwright;

namespace Webmail.Web.Tests.Images;

/// <summary>Pictures in HTML mail, in the real browser: embedded (cid:) ones show at once, remote ones only after "Show remote content".</summary>
public sealed class MessageImageFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task EmbeddedCidImageIsDecodedInsideTheSandboxedBody()
    {
        var account = await web.NewAccountAsync("cid");
        await web.DeliverAsync(account, ImageMessages.WithCidImage(account.Address, "Logo inside", TestPng.Solid(64, 48, 20, 120, 220)));
        var page = await web.SignInAsync(account);

        await page.GetByRole(AriaRole.Link, new() { Name = "Logo inside" }).ClickAsync();
        var logo = page.FrameLocator("iframe[title='Message body']").Locator("img[alt='Logo']");

        // naturalWidth is the decoded picture's width: 0 for a broken image (a 400 or 404 answer).
        await Assertions.Expect(logo).ToHaveJSPropertyAsync("complete", true);
        await Assertions.Expect(logo).ToHaveJSPropertyAsync("naturalWidth", 64);
        await Assertions.Expect(logo).ToHaveJSPropertyAsync("naturalHeight", 48);
        await WebFixture.ScreenshotAsync(page, "cid-image");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AttachedPictureGetsADecodedThumbnail()
    {
        var account = await web.NewAccountAsync("thumb");
        await web.DeliverAsync(account, ImageMessages.WithPngAttachment(account.Address, "Holiday photo", TestPng.Solid(30, 20, 240, 180, 0)));
        var page = await web.SignInAsync(account);

        await page.GetByRole(AriaRole.Link, new() { Name = "Holiday photo" }).ClickAsync();
        var thumbnail = page.GetByRole(AriaRole.Region, new() { Name = "Attachments" }).GetByRole(AriaRole.Img, new() { Name = "photo.png" });

        await thumbnail.ScrollIntoViewIfNeededAsync(); // loading="lazy"
        await Assertions.Expect(thumbnail).ToHaveJSPropertyAsync("complete", true);
        await Assertions.Expect(thumbnail).ToHaveJSPropertyAsync("naturalWidth", 30);
        await WebFixture.ScreenshotAsync(page, "attachment-thumbnail");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ShowRemoteContentLoadsTheRemoteImageOnlyAfterTheClick()
    {
        await using var remote = new LoopbackImageServer(TestPng.Solid(40, 30, 0, 160, 60));
        var account = await web.NewAccountAsync("remote");
        await web.DeliverAsync(account, ImageMessages.WithRemoteImage(account.Address, "Remote picture", remote.UrlOf("pixel.png")));
        var page = await web.SignInAsync(account);

        await page.GetByRole(AriaRole.Link, new() { Name = "Remote picture" }).ClickAsync();
        var body = page.FrameLocator("iframe[title='Message body']");
        await body.GetByText("Tracking you, perhaps:").WaitForAsync();
        // The body document is loaded and holds no reference to the remote host: nothing can have asked it.
        await Assertions.Expect(body.Locator($"img[src*='127.0.0.1:{remote.Port}']")).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "remote-blocked");
        Assert.Empty(remote.Requests);

        await page.GetByRole(AriaRole.Button, new() { Name = "Show remote content" }).ClickAsync();
        var picture = body.Locator("img[alt='Remote picture']");
        await Assertions.Expect(picture).ToHaveJSPropertyAsync("complete", true);
        await Assertions.Expect(picture).ToHaveJSPropertyAsync("naturalWidth", 40);

        Assert.Contains("/pixel.png", remote.Requests);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show remote content" })).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "remote-shown");
        await page.Context.CloseAsync();
    }
}
