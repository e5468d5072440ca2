using Microsoft.Playwright;
using Webmail.Reading;

namespace Webmail.Web.Tests.Images;

/// <summary>
/// The URLs the reading pane builds (<see cref="MailUrls"/>) are the URLs the endpoints understand:
/// the inline-image and remote-content flags, exactly as written by the builder, take effect.
/// </summary>
public sealed class MailUrlFlagTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static readonly byte[] Png = TestPng.Solid(12, 8, 200, 30, 30);

    [Fact]
    public async Task InlineImageUrlServesThePictureInlineAsItsImageType()
    {
        var account = await web.NewAccountAsync("flaginline");
        var id = await web.DeliverAsync(account, ImageMessages.WithPngAttachment(account.Address, "Photo", Png));
        var page = await web.SignInAsync(account);
        var index = await AttachmentIndexAsync(id, account.Id);

        var response = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + MailUrls.InlineImage(id, index));

        Assert.Equal(200, response.Status);
        Assert.Equal("image/png", response.Headers["content-type"]);
        Assert.StartsWith("inline;", response.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers["x-content-type-options"]);
        Assert.Equal(Png, await response.BodyAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AttachmentUrlWithoutTheFlagIsStillADownload()
    {
        var account = await web.NewAccountAsync("flagdownload");
        var id = await web.DeliverAsync(account, ImageMessages.WithPngAttachment(account.Address, "Photo", Png));
        var page = await web.SignInAsync(account);
        var index = await AttachmentIndexAsync(id, account.Id);

        var response = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + MailUrls.Attachment(id, index));

        Assert.Equal(200, response.Status);
        Assert.Equal("application/octet-stream", response.Headers["content-type"]);
        Assert.StartsWith("attachment;", response.Headers["content-disposition"], StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("?inline=yes")]
    [InlineData("?inline=")]
    [InlineData("?inline=0")]
    public async Task UnknownInlineFlagValueMeansADownloadNotAnError(string query)
    {
        var account = await web.NewAccountAsync("flagodd");
        var id = await web.DeliverAsync(account, ImageMessages.WithPngAttachment(account.Address, "Photo", Png));
        var page = await web.SignInAsync(account);
        var index = await AttachmentIndexAsync(id, account.Id);

        var response = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + MailUrls.Attachment(id, index) + query);

        Assert.Equal(200, response.Status);
        Assert.Equal("application/octet-stream", response.Headers["content-type"]);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task BodyUrlWithRemoteContentAllowedWidensOnlyTheImagePolicy()
    {
        var account = await web.NewAccountAsync("flagremote");
        var id = await web.DeliverAsync(account, ImageMessages.WithRemoteImage(account.Address, "Remote", "https://images.remote.example/a.png"));
        var page = await web.SignInAsync(account);

        var blocked = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + MailUrls.Body(id, allowRemote: false));
        var allowed = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + MailUrls.Body(id, allowRemote: true));

        Assert.Equal(200, blocked.Status);
        Assert.Equal(MailEndpoints.BodyPolicy, blocked.Headers["content-security-policy"]);
        Assert.DoesNotContain("images.remote.example", await blocked.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(200, allowed.Status);
        Assert.Equal(MailEndpoints.BodyPolicyWithRemote, allowed.Headers["content-security-policy"]);
        Assert.Contains("https://images.remote.example/a.png", await allowed.TextAsync(), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    /// <summary>The index the reading pane would use: the PNG's place among the message's MIME leaf parts.</summary>
    private async Task<int> AttachmentIndexAsync(long messageId, long accountId)
    {
        var raw = await web.Server.Messages.GetRawAsync(accountId, messageId, default);
        var content = MessageReader.Read(messageId, MessageReader.Load(raw!));
        return Assert.Single(content.Attachments).Index;
    }
}
