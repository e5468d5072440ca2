using Microsoft.Playwright;
using MimeKit;
using Webmail.Core.Model;

namespace Webmail.Web.Tests;

/// <summary>Attachment downloads are byte-identical and safe; another account's URLs answer 404.</summary>
public sealed class AttachmentAndAccessTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static readonly byte[] Payload = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7 % 256)).ToArray();

    private static byte[] WithAttachment(string to, string fileName)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@remote.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Report attached";
        var builder = new BodyBuilder { TextBody = "See the attachment." };
        builder.Attachments.Add(fileName, Payload, new ContentType("application", "octet-stream"));
        message.Body = builder.ToMessageBody();
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task AttachmentDownloadsByteIdenticalWithSafeHeaders()
    {
        var account = await web.NewAccountAsync("attach");
        // A path and a right-to-left override that would show "report‮fdp.exe" as "reportexe.pdf".
        var id = await web.DeliverAsync(account, WithAttachment(account.Address, "../../etc/report\u202Efdp.exe"));
        var page = await web.SignInAsync(account);
        await page.GetByRole(AriaRole.Link, new() { Name = "Report attached" }).ClickAsync();

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download reportfdp.exe" }).ClickAsync());
        var path = await download.PathAsync();
        Assert.Equal(Payload, await File.ReadAllBytesAsync(path));
        Assert.Equal("reportfdp.exe", download.SuggestedFilename);

        var response = await page.Context.APIRequest.GetAsync($"{web.Server.BaseUrl}/mail/messages/{id}/attachments/1");
        Assert.Equal(200, response.Status);
        Assert.Equal("attachment; filename=\"reportfdp.exe\"; filename*=UTF-8''reportfdp.exe", response.Headers["content-disposition"]);
        Assert.Equal("nosniff", response.Headers["x-content-type-options"]);
        Assert.Equal(Payload, await response.BodyAsync());
    }

    [Fact]
    public async Task RawSourceAndEmlAreTheStoredBytes()
    {
        var account = await web.NewAccountAsync("raw");
        var raw = WithAttachment(account.Address, "a.bin");
        var id = await web.DeliverAsync(account, raw);
        var page = await web.SignInAsync(account);

        var eml = await page.Context.APIRequest.GetAsync($"{web.Server.BaseUrl}/mail/messages/{id}/eml");
        var source = await page.Context.APIRequest.GetAsync($"{web.Server.BaseUrl}/mail/messages/{id}/source");

        Assert.Equal(raw, await eml.BodyAsync());
        Assert.StartsWith("attachment;", eml.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal(raw, await source.BodyAsync());
        Assert.StartsWith("text/plain", source.Headers["content-type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherAccountsMessageFolderAndAttachmentAnswer404()
    {
        var owner = await web.NewAccountAsync("owner");
        var intruder = await web.NewAccountAsync("intruder");
        var id = await web.DeliverAsync(owner, WithAttachment(owner.Address, "secret.bin"));
        var folder = await web.Server.Messages.CreateFolderAsync(owner.Id, "Private", null, default);
        var page = await web.SignInAsync(intruder);
        var request = page.Context.APIRequest;

        foreach (var url in new[] { $"/mail/messages/{id}/body", $"/mail/messages/{id}/source", $"/mail/messages/{id}/eml", $"/mail/messages/{id}/attachments/1", $"/mail/messages/{id}/attachments/0" })
            Assert.Equal(404, (await request.GetAsync(web.Server.BaseUrl + url)).Status);

        await page.GotoAsync($"{web.Server.BaseUrl}/folder/{folder.Id}/message/{id}");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByText("This folder does not exist")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("This message does not exist any more")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Report attached")).ToHaveCountAsync(0);
        Assert.Equal(MessageFlags.None, (await web.Server.Messages.GetSummaryAsync(owner.Id, id, default))!.Flags);
    }
}
