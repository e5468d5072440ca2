using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Webmail.Web.Tests.Compose;

[Collection(ComposeCollection.Name)]
public sealed class ComposeSendTests(ComposeFixture fixture)
{
    [Fact]
    public async Task SendingToLocalAccountFilesInRecipientInboxAndSenderSentAndRecipientSeesItLive()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var betty = await fixture.NewAccountAsync("betty");
        var bettysPage = await fixture.SignInAsync(betty);
        var page = await fixture.SignInAsync(lucy);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByRole(AriaRole.Link, new() { Name = "Compose", Exact = true }).ClickAsync();
        await page.GetByLabel("Subject", new() { Exact = true }).WaitForAsync();

        await page.GetByLabel("To", new() { Exact = true }).FillAsync(betty.Address);
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("Lunch tomorrow");
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync("Shall we meet at noon?");
        await ComposeFixture.SendAsync(page);
        await fixture.WaitForAsync(lucy, SpecialFolder.Sent);

        var inbox = await fixture.WaitForAsync(betty, SpecialFolder.Inbox);
        var received = Assert.Single(inbox);
        Assert.Equal("Lunch tomorrow", received.Message.Subject);
        Assert.Contains("Shall we meet at noon?", received.Message.TextBody);
        Assert.False(received.Summary.IsSeen);
        var sent = Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.True(sent.Summary.IsSeen);
        Assert.Equal(received.Message.MessageId, sent.Message.MessageId);
        // Betty's open mailbox shows it without a reload.
        await bettysPage.Locator(".message-row", new() { HasText = "Lunch tomorrow" }).WaitForAsync(new() { Timeout = 15_000 });
        await bettysPage.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SendingToRemoteAddressQueuesIt()
    {
        var lucy = await fixture.NewAccountAsync("lucy");
        var page = await fixture.SignInAsync(lucy);
        await fixture.OpenAsync(page, "/compose");
        var subject = "Remote " + Guid.NewGuid().ToString("N")[..8];

        await page.GetByLabel("To", new() { Exact = true }).FillAsync("betty@b.example");
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync(subject);
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync("Over the wire.");
        await ComposeFixture.SendAsync(page);
        await fixture.WaitForAsync(lucy, SpecialFolder.Sent);

        var queue = fixture.Server.Services.GetRequiredService<IOutboundQueueStore>();
        var entries = await queue.ListAsync(0, 100, default);
        var entry = Assert.Single(entries.Items, e => e.SenderAccountId == lucy.Id);
        Assert.Equal("b.example", entry.Domain);
        Assert.Equal(["betty@b.example"], entry.Recipients);
        Assert.Equal(lucy.Address, entry.MailFrom);
        var sent = Assert.Single(await fixture.FolderAsync(lucy, SpecialFolder.Sent));
        Assert.Equal(subject, sent.Message.Subject);
        await page.Context.CloseAsync();
    }
}
