using System.Text;
using Microsoft.Playwright;
using MimeKit;
using Webmail.Reading;

namespace Webmail.Web.Tests.Ux;

/// <summary>
/// A PDF attachment in Chromium's own viewer, served under the attachment policy (<c>sandbox; default-src 'none'</c>):
/// headless Chromium has the viewer and renders the page; the PDF's script reaches nothing on the network; Download
/// still downloads.
/// </summary>
public sealed class PdfViewerFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    // Chromium's PDF viewer is a component extension with this fixed id; its frame is the viewer.
    private const string PdfViewer = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/";

    /// <summary>A one-page PDF with visible text whose OpenAction script tries the network three ways.</summary>
    private static byte[] Pdf(string baseUrl)
    {
        var script = $"app.alert('pdf script'); try {{ this.submitForm('{baseUrl}/leak-submit'); }} catch (e) {{}} "
            + $"try {{ app.launchURL('{baseUrl}/leak-launch', true); }} catch (e) {{}} try {{ this.getURL('{baseUrl}/leak-geturl'); }} catch (e) {{}}";
        const string content = "BT /F1 36 Tf 72 700 Td (Signed contract) Tj ET";
        string[] objects =
        [
            "<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(" + script.Replace("(", "\\(").Replace(")", "\\)") + ")>>>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
            $"<</Length {content.Length}>>stream\n{content}\nendstream",
            "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj{objects[i]}endobj\n");
        }
        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
            pdf.Append($"{offset:D10} 00000 n \n");
        pdf.Append($"trailer<</Size {objects.Length + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    [Fact]
    public async Task APdfRendersInTheBrowsersViewerUnderTheInertPolicyAndStillDownloads()
    {
        var account = await web.NewAccountAsync("pdfview");
        var pdf = Pdf(web.Server.BaseUrl);
        var builder = new BodyBuilder { TextBody = "The contract, signed." };
        builder.Attachments.Add("contract.pdf", pdf, new ContentType("application", "pdf"));
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Carol", "carol@remote.example"));
        message.To.Add(MailboxAddress.Parse(account.Address));
        message.Subject = "Signed contract";
        message.Body = builder.ToMessageBody();
        using var raw = new MemoryStream();
        message.WriteTo(raw);
        var id = await web.DeliverAsync(account, raw.ToArray());
        var page = await web.SignInAsync(account, 1280, 900);
        var leaks = new List<string>();
        page.Context.Request += (_, request) => { if (request.Url.Contains("/leak-", StringComparison.Ordinal)) leaks.Add(request.Url); };
        await page.GetByRole(AriaRole.Link, new() { Name = "Signed contract" }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.EndsWith($"/message/{id}", StringComparison.Ordinal));

        // Open in a new tab: the viewer's frame appears and the page is drawn (the screenshots show it).
        var served = new List<IResponse>();
        page.Context.Response += (_, r) => { if (r.Url.Contains($"/{id}/attachments/", StringComparison.Ordinal)) served.Add(r); };
        var viewer = await page.Context.RunAndWaitForPageAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Open contract.pdf in a new tab", Exact = true }).ClickAsync());
        viewer.Dialog += (_, dialog) => _ = dialog.DismissAsync();
        await WaitForViewerAsync(viewer);
        var response = Assert.Single(served);
        var headers = (await response.HeadersArrayAsync()).ToDictionary(h => h.Name.ToLowerInvariant(), h => h.Value);
        Assert.True(headers.ContainsKey("content-type"), string.Join("; ", headers.Select(h => h.Key + "=" + h.Value)) + " status " + response.Status);
        Assert.Equal("application/pdf", headers["content-type"]);
        Assert.Equal("inline; filename=\"contract.pdf\"; filename*=UTF-8''contract.pdf", headers["content-disposition"]);
        Assert.Equal(MailEndpoints.AttachmentPolicy, headers["content-security-policy"]);
        Assert.Equal("sandbox; default-src 'none'", headers["content-security-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        foreach (var (width, height, device) in new[] { (1280, 900, "desktop"), (390, 844, "phone") })
        {
            await viewer.SetViewportSizeAsync(width, height);
            // For the eye only (nothing is asserted on it): the viewer draws the page a moment after its frame appears.
            await viewer.WaitForTimeoutAsync(3000);
            await WebFixture.ScreenshotAsync(viewer, $"pdf-viewer-{device}");
        }
        // The script inside the PDF ran in the viewer's own engine: none of its three ways out reached the network.
        Assert.Empty(leaks);
        await viewer.CloseAsync();

        // Download still downloads the same bytes under the file's name.
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download contract.pdf", Exact = true }).ClickAsync());
        Assert.Equal("contract.pdf", download.SuggestedFilename);
        await using (var saved = await download.CreateReadStreamAsync())
        {
            using var copy = new MemoryStream();
            await saved.CopyToAsync(copy);
            Assert.Equal(pdf, copy.ToArray());
        }
        await page.Context.CloseAsync();
    }

    private static async Task WaitForViewerAsync(IPage viewer)
    {
        for (var waited = 0; waited < 15_000 && !viewer.Frames.Any(f => f.Url.StartsWith(PdfViewer, StringComparison.Ordinal)); waited += 100)
            await viewer.WaitForTimeoutAsync(100);
        Assert.Contains(viewer.Frames, f => f.Url.StartsWith(PdfViewer, StringComparison.Ordinal));
    }
}
