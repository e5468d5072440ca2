using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Playwright;
using Webmail.Testing;
using Account = Webmail.Core.Model.Account;

namespace Webmail.Web.Tests;

/// <summary>An IMAP client (MailKit) and the web UI on the same mailbox: what IMAP changes shows in the open page without a reload.</summary>
public sealed class ImapLiveFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static ILocator Row(IPage page, string subject) => page.Locator(".message-row", new() { HasText = subject });

    private async Task<ImapClient> ConnectImapAsync(Account account)
    {
        var client = new ImapClient();
        // Plaintext LOGIN is allowed from loopback (Webmail:Security:AllowPlaintextAuthOnLoopback).
        await client.ConnectAsync("127.0.0.1", web.Server.ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync(account.Address, "correct horse");
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        return client;
    }

    private static async Task<UniqueId> UidOfAsync(ImapClient client, string subject) =>
        Assert.Single(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(subject)));

    [Fact]
    public async Task AMessageMovedAndAFlagSetOverImapShowInTheOpenListLive()
    {
        var account = await web.NewAccountAsync("imaplive");
        await web.DeliverAsync(account, "Leaves by IMAP");
        await web.DeliverAsync(account, "Flagged by IMAP");
        await web.DeliverAsync(account, "Read by IMAP");
        var page = await web.SignInAsync(account);
        await Row(page, "Read by IMAP").WaitForAsync();
        await Assertions.Expect(Row(page, "Read by IMAP")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("message-row--unread"));
        using var client = await ConnectImapAsync(account);
        var archive = client.GetFolder(SpecialFolder.Archive) ?? throw new InvalidOperationException("The server lists no \\Archive folder.");

        await client.Inbox.MoveToAsync(await UidOfAsync(client, "Leaves by IMAP"), archive);
        await client.Inbox.AddFlagsAsync(await UidOfAsync(client, "Flagged by IMAP"), MessageFlags.Flagged, silent: true);
        await client.Inbox.AddFlagsAsync(await UidOfAsync(client, "Read by IMAP"), MessageFlags.Seen, silent: true);

        await Assertions.Expect(Row(page, "Leaves by IMAP")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(page, "Flagged by IMAP").GetByRole(AriaRole.Button, new() { Name = "Unflag" })).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "Read by IMAP")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("message-row--unread"));
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByRole(AriaRole.Link, new() { Name = "Archive" }))
            .ToHaveAccessibleNameAsync(new System.Text.RegularExpressions.Regex("Archive 1 unread"));
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task KeywordsSetOverImapShowInTheOpenReadingPaneLive()
    {
        var account = await web.NewAccountAsync("imapkw");
        await web.DeliverAsync(account, "Quarterly plan", body: "The plan for the quarter is attached in spirit.");
        var page = await web.SignInAsync(account);
        await Browser.ClickToNavigateAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Quarterly plan" }), new System.Text.RegularExpressions.Regex("/message/"));
        var reader = page.GetByRole(AriaRole.Region, new() { Name = "Reading pane" });
        await Assertions.Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "Quarterly plan" })).ToBeVisibleAsync();
        using var client = await ConnectImapAsync(account);

        await client.Inbox.AddFlagsAsync(await UidOfAsync(client, "Quarterly plan"), MessageFlags.Answered,
            new HashSet<string> { "$Forwarded", "$MDNSent", "Work", "$label4", "NeedsReview" }, silent: true);

        await Assertions.Expect(reader.GetByRole(AriaRole.List, new() { Name = "Keywords" })).ToBeVisibleAsync();
        var chips = reader.GetByRole(AriaRole.List, new() { Name = "Keywords" }).GetByRole(AriaRole.Listitem);
        await Assertions.Expect(chips).ToHaveTextAsync(["Work", "$label4", "NeedsReview"]);
        await Assertions.Expect(reader.GetByRole(AriaRole.Img, new() { Name = "Replied" })).ToBeVisibleAsync();
        await Assertions.Expect(reader.GetByRole(AriaRole.Img, new() { Name = "Forwarded" })).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "Quarterly plan").GetByRole(AriaRole.Img, new() { Name = "Forwarded" })).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "reading-keywords");
        await client.DisconnectAsync(quit: true);
    }
}
