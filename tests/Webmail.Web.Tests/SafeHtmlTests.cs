using Webmail.Reading;

namespace Webmail.Web.Tests;

public sealed class SafeHtmlTests
{
    [Fact]
    public void CidImagesPointAtTheAttachmentUrl()
    {
        var safe = new SafeHtml(cid => cid == "logo@x" ? "/mail/messages/1/attachments/2?inline=1" : null, allowRemote: false);

        var html = safe.Sanitize("<img src=\"cid:logo@x\"><img src=\"cid:missing\">");

        Assert.Contains("src=\"/mail/messages/1/attachments/2?inline=1\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cid:", html, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteImagesAreBlockedUntilAllowed()
    {
        const string html = "<img src=\"https://cdn.example/a.png\"><div style=\"background:url(https://cdn.example/b.png)\">x</div>";
        var blocked = new SafeHtml(_ => null, allowRemote: false);
        var allowed = new SafeHtml(_ => null, allowRemote: true);

        var blockedHtml = blocked.Sanitize(html);
        var allowedHtml = allowed.Sanitize(html);

        Assert.True(blocked.HasRemoteContent);
        Assert.DoesNotContain("cdn.example", blockedHtml, StringComparison.Ordinal);
        Assert.Contains("https://cdn.example/a.png", allowedHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void LinksOpenOutsideWithoutReferrerAndDangerousSchemesGo()
    {
        var html = new SafeHtml(_ => null, false).Sanitize("<a href=\"https://ok.example/\">ok</a><a href=\"javascript:alert(1)\">js</a><a href=\"data:text/html,x\">d</a>");

        Assert.Contains("href=\"https://ok.example/\"", html, StringComparison.Ordinal);
        Assert.Contains("rel=\"noopener noreferrer\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data:", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\x\\evil.exe", "evil.exe")]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("..", "attachment")]
    public void DownloadNamesLoseTheirPathAndBidiControls(string name, string expected) =>
        Assert.Equal(expected, DownloadFileName.Clean(name));

    [Fact]
    public void ContentDispositionCarriesAnRfc6266FilenameStar() =>
        Assert.Equal("attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", DownloadFileName.ContentDisposition("résumé.pdf"));
}
