using Microsoft.Playwright;
using Webmail.Core.Model;

namespace Webmail.Web.Tests;

/// <summary>Ids in URLs that are not numbers, overflow a 64-bit id or belong to nobody are "not found", never a server error.</summary>
public sealed class UrlIdTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Theory]
    [InlineData("/mail/messages/abc/body")]
    [InlineData("/mail/messages/99999999999999999999/body")]
    [InlineData("/mail/messages/-1/body")]
    [InlineData("/mail/messages/99999999999999999999/source")]
    [InlineData("/mail/messages/99999999999999999999/eml")]
    [InlineData("/mail/messages/{id}/attachments/99999999999")]
    [InlineData("/mail/messages/{id}/attachments/-1")]
    [InlineData("/mail/messages/{id}/attachments/abc")]
    [InlineData("/mail/messages/{id}/attachments/7")]
    public async Task EndpointAnswers404ForAnUnusableId(string path)
    {
        var account = await web.NewAccountAsync("ids");
        var id = await web.DeliverAsync(account, "Plain one");
        var page = await web.SignInAsync(account);

        var response = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + path.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.Equal(404, response.Status);
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("/folder/{inbox}/message/-5", "This message does not exist any more")]
    [InlineData("/folder/{inbox}/message/0", "This message does not exist any more")]
    [InlineData("/folder/-3", "This folder does not exist")]
    public async Task MailboxShowsDoesNotExistForAnUnknownNumericId(string path, string text)
    {
        var account = await web.NewAccountAsync("mbids");
        var page = await web.SignInAsync(account);
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);

        var response = await page.GotoAsync(web.Server.BaseUrl + path.Replace("{inbox}", inbox.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.Equal(200, response!.Status);
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByText(text)).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("/folder/abc")]
    [InlineData("/folder/99999999999999999999")]
    [InlineData("/folder/{inbox}/message/abc")]
    [InlineData("/folder/{inbox}/message/99999999999999999999")]
    public async Task MailboxUrlWithANonNumberIdAnswers404(string path)
    {
        var account = await web.NewAccountAsync("mbbad");
        var page = await web.SignInAsync(account);
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);

        // The routes take only 64-bit ids ({id:long}): anything else matches no page.
        var response = await page.Context.APIRequest.GetAsync(web.Server.BaseUrl + path.Replace("{inbox}", inbox.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.Equal(404, response.Status);
        await page.Context.CloseAsync();
    }
}
