using MimeKit;
using Webmail.Reading;

namespace Webmail.Web.Tests.Images;

/// <summary>The body document embeds its own cid: pictures, only raster ones, and within a bound.</summary>
public sealed class InlineImagesTests
{
    private static MimeMessage Related(string html, params (string Cid, string Type, byte[] Bytes)[] parts)
    {
        var builder = new BodyBuilder { HtmlBody = html };
        foreach (var (cid, type, bytes) in parts)
            builder.LinkedResources.Add(cid + ".bin", bytes, ContentType.Parse(type)).ContentId = cid;
        return new MimeMessage { Body = builder.ToMessageBody() };
    }

    [Fact]
    public void CidPictureBecomesADataUrlOfItsOwnBytes()
    {
        var png = TestPng.Solid(3, 2, 1, 2, 3);
        var message = Related("<img src=\"cid:logo@x\" alt=\"l\">", ("logo@x", "image/png", png));

        var document = MessageReader.RenderHtmlDocument(1, message, allowRemote: false);

        Assert.Contains("src=\"data:image/png;base64," + Convert.ToBase64String(png) + "\"", document, StringComparison.Ordinal);
        Assert.DoesNotContain("/attachments/", document, StringComparison.Ordinal);
    }

    [Fact]
    public void CidPointingAtSvgOrHtmlIsDropped()
    {
        var message = Related("<img src=\"cid:a@x\" alt=\"a\"><img src=\"cid:b@x\" alt=\"b\">",
            ("a@x", "image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray()),
            ("b@x", "text/html", "<script>alert(1)</script>"u8.ToArray()));

        var document = MessageReader.RenderHtmlDocument(1, message, allowRemote: false);

        Assert.DoesNotContain("data:", document, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", document, StringComparison.Ordinal);
    }

    [Fact]
    public void OneLargePictureNamedManyTimesIsEmbeddedOnlyUpToTheCap()
    {
        var big = new byte[6 * 1024 * 1024];
        var html = string.Concat(Enumerable.Repeat("<img src=\"cid:big@x\" alt=\"x\">", 1000));
        var message = Related(html, ("big@x", "image/png", big));

        var document = MessageReader.RenderHtmlDocument(1, message, allowRemote: false);

        var embedded = document.Split("data:image/png;base64,").Length - 1;
        Assert.Equal((int)(InlineImages.MaxEmbeddedBytes / big.Length), embedded);
        Assert.True(document.Length < InlineImages.MaxEmbeddedBytes * 4 / 3 + 100_000);
    }
}
