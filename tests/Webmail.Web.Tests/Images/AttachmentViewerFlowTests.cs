using System.Text;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Reading;
using Webmail.Web.Tests.Ux;

namespace Webmail.Web.Tests.Images;

/// <summary>
/// Attachments beyond Download: images in a lightbox (Esc closes, arrows step), PDFs in the browser's viewer in a new
/// tab served inline under an inert policy, every other type a download as before; another account's parts stay 404.
/// </summary>
public sealed class AttachmentViewerFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static readonly byte[] Red = TestPng.Solid(40, 30, 200, 30, 30);
    private static readonly byte[] Blue = TestPng.Solid(30, 40, 30, 30, 200);

    // A one-page PDF with an OpenAction script: served inline it must stay inert (the policy's sandbox, no scripts).
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert\\(1\\))>>>>endobj\n"
        + "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        + "trailer<</Root 1 0 R>>\n%%EOF\n");

    private static byte[] Message(string to)
    {
        var builder = new BodyBuilder { TextBody = "The photos, the contract and the figures." };
        builder.Attachments.Add("red.png", Red, new ContentType("image", "png"));
        builder.Attachments.Add("blue.png", Blue, new ContentType("image", "png"));
        builder.Attachments.Add("contract.pdf", Pdf, new ContentType("application", "pdf"));
        builder.Attachments.Add("figures.csv", Encoding.UTF8.GetBytes("a,b\n1,2\n"), new ContentType("text", "csv"));
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Carol", "carol@remote.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Trip photos and contract";
        message.Body = builder.ToMessageBody();
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return stream.ToArray();
    }

    private async Task<(IPage Page, long Id)> OpenAsync(string name, int width = 1280, int height = 900)
    {
        var account = await web.NewAccountAsync(name);
        var id = await web.DeliverAsync(account, Message(account.Address));
        var page = await web.SignInAsync(account, width, height);
        await page.GetByRole(AriaRole.Link, new() { Name = "Trip photos and contract" }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.EndsWith($"/message/{id}", StringComparison.Ordinal));
        return (page, id);
    }

    [Fact]
    public async Task ImagesOpenInALightboxThatArrowsStepThroughAndEscapeCloses()
    {
        var (page, _) = await OpenAsync("lightbox");

        await page.GetByRole(AriaRole.Button, new() { Name = "View red.png", Exact = true }).First.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        var image = dialog.GetByRole(AriaRole.Img, new() { Name = "red.png", Exact = true });
        await Assertions.Expect(image).ToBeVisibleAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("1 of 2");
        // The picture really decoded (a 40 × 30 PNG), not a broken-image icon.
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('.lightbox-image'); return i && i.complete && i.naturalWidth === 40; }");
        await Screens.TakeAsync(page, "attachment-lightbox");
        // The arrows are the dialog's keys: they reach it once the focus is inside it. MudBlazor connects the dialog's
        // key handler and then moves the focus in, each after the dialog's first render (a person sees the focus ring
        // on its first control); a key pressed before that goes to the page behind, as on a loaded test machine.
        await page.WaitForFunctionAsync("() => document.activeElement?.closest('[role=dialog]') != null");

        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(dialog.GetByRole(AriaRole.Img, new() { Name = "blue.png", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("2 of 2");
        await page.Keyboard.PressAsync("ArrowRight"); // wraps around
        await Assertions.Expect(dialog.GetByRole(AriaRole.Img, new() { Name = "red.png", Exact = true })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("ArrowLeft");
        await Assertions.Expect(dialog.GetByRole(AriaRole.Img, new() { Name = "blue.png", Exact = true })).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Previous image" }).ClickAsync();
        await Assertions.Expect(dialog.GetByRole(AriaRole.Img, new() { Name = "red.png", Exact = true })).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        // Escape closed the lightbox only: the message is still open.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Trip photos and contract" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task APdfOpensInANewTabServedInlineAndInertAndOtherTypesStillDownload()
    {
        var (page, id) = await OpenAsync("pdf");
        var open = page.GetByRole(AriaRole.Link, new() { Name = "Open contract.pdf in a new tab", Exact = true });
        await Assertions.Expect(open).ToHaveAttributeAsync("target", "_blank");
        await Assertions.Expect(open).ToHaveAttributeAsync("rel", "noopener noreferrer");
        var href = await open.GetAttributeAsync("href");
        Assert.EndsWith("?inline=1", href, StringComparison.Ordinal);
        // The CSV offers only Download: there is nothing to open it in that would be safe.
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download figures.csv", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open figures.csv in a new tab" })).ToHaveCountAsync(0);
        await Screens.TakeAsync(page, "attachment-list");

        var pdf = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + href);
        Assert.Equal(200, pdf.Status);
        Assert.Equal("application/pdf", pdf.Headers["content-type"]);
        Assert.Equal("inline; filename=\"contract.pdf\"; filename*=UTF-8''contract.pdf", pdf.Headers["content-disposition"]);
        Assert.Equal("sandbox; default-src 'none'", pdf.Headers["content-security-policy"]);
        Assert.Equal(MailEndpoints.AttachmentPolicy, pdf.Headers["content-security-policy"]);
        Assert.Equal("nosniff", pdf.Headers["x-content-type-options"]);
        Assert.Equal("private, no-store", pdf.Headers["cache-control"]);
        Assert.Equal(Pdf, await pdf.BodyAsync());

        // The same flag on the CSV (or anything not an image or PDF) is still a download of opaque bytes.
        var csvIndex = int.Parse(href!.Split('/')[^1].Split('?')[0], System.Globalization.CultureInfo.InvariantCulture) + 1;
        var csv = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + MailUrls.Inline(id, csvIndex));
        Assert.Equal("application/octet-stream", csv.Headers["content-type"]);
        Assert.StartsWith("attachment; filename=\"figures.csv\"", csv.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal(MailEndpoints.AttachmentPolicy, csv.Headers["content-security-policy"]);

        // Without the session cookie (a plain HTTP client) nothing is served.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var outsider = await anonymous.GetAsync(web.Server.BaseUrl + href);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, outsider.StatusCode);
        Assert.NotEqual("application/pdf", outsider.Content.Headers.ContentType?.MediaType);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnotherAccountsPdfAndImagesStayRefused()
    {
        var (owner, id) = await OpenAsync("pdfowner");
        await owner.Context.CloseAsync();
        var intruder = await web.SignInAsync(await web.NewAccountAsync("pdfintruder"));

        for (var index = 0; index < 6; index++)
            Assert.Equal(404, (await intruder.Context.APIRequest.GetAsync(web.Server.BaseUrl + MailUrls.Inline(id, index))).Status);
        await intruder.Context.CloseAsync();
    }

    [Fact]
    public async Task OnAPhoneTheLightboxFitsTheScreen()
    {
        var (page, _) = await OpenAsync("lightboxphone", 390, 844);

        await page.GetByRole(AriaRole.Button, new() { Name = "View blue.png", Exact = true }).First.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog.GetByRole(AriaRole.Img, new() { Name = "blue.png", Exact = true })).ToBeVisibleAsync();
        var box = (await dialog.BoundingBoxAsync())!;
        Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"dialog spans {box.X}..{box.X + box.Width}");
        await Assertions.Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Next image" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
