using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Playwright;

namespace Webmail.Web.Tests;

/// <summary>App passwords made in Settings (Chromium), used by MailKit over IMAP, POP3 and SMTP, then revoked.</summary>
public sealed class AppPasswordFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static async Task<string> CreateAsync(IPage page, string name, params string[] withoutProtocols)
    {
        await page.GetByLabel("App password name").FillAsync(name);
        foreach (var protocol in withoutProtocols)
        {
            var box = page.GetByRole(AriaRole.Checkbox, new() { Name = $"Allow {protocol}" });
            await box.UncheckAsync();
            await Assertions.Expect(box).Not.ToBeCheckedAsync();
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Create app password" }).ClickAsync();
        var secret = page.GetByLabel("New app password");
        // The alert shows the newest one; wait for the row of this name, then read the secret beside it.
        await page.GetByRole(AriaRole.Cell, new() { Name = name, Exact = true }).WaitForAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = name })).ToBeVisibleAsync();
        return (await secret.InnerTextAsync()).Trim();
    }

    private async Task ImapLoginAsync(string address, string password)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", web.Server.ImapPort, SecureSocketOptions.None);
        await imap.AuthenticateAsync(address, password);
        await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        await imap.DisconnectAsync(true);
    }

    private async Task Pop3LoginAsync(string address, string password)
    {
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", web.Server.Pop3Port, SecureSocketOptions.None);
        await pop.AuthenticateAsync(address, password);
        await pop.DisconnectAsync(true);
    }

    private async Task SmtpLoginAsync(string address, string password)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", web.Server.SubmissionPort, SecureSocketOptions.None);
        await smtp.AuthenticateAsync(address, password);
        await smtp.DisconnectAsync(true);
    }

    [Fact]
    public async Task AnAppPasswordMadeInSettingsWorksForMailProgramsUntilRevoked()
    {
        var account = await web.NewAccountAsync("devices");
        var page = await web.SignInAsync(account);
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "App passwords" }).ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(page.GetByText("No app passwords yet.")).ToBeVisibleAsync();

        var phone = await CreateAsync(page, "Phone");
        Assert.Matches("^[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}$", phone);
        await WebFixture.ScreenshotAsync(page, "settings-app-password");
        await ImapLoginAsync(account.Address, phone);
        await Pop3LoginAsync(account.Address, phone);
        await SmtpLoginAsync(account.Address, phone.Replace(" ", ""));

        // One limited to IMAP is refused by POP3 and SMTP.
        var reader = await CreateAsync(page, "Reader", "POP3", "SMTP");
        await ImapLoginAsync(account.Address, reader);
        await Assert.ThrowsAsync<AuthenticationException>(() => Pop3LoginAsync(account.Address, reader));
        await Assert.ThrowsAsync<AuthenticationException>(() => SmtpLoginAsync(account.Address, reader));

        // The list shows where each was last used (after a reload, as a user coming back sees it).
        await page.ReloadAsync();
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        var phoneRow = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Phone" });
        await Assertions.Expect(phoneRow).ToContainTextAsync("IMAP, POP3, SMTP");
        await Assertions.Expect(phoneRow).ToContainTextAsync("from 127.0.0.1");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Reader" })).ToContainTextAsync("IMAP");
        await Assertions.Expect(page.GetByLabel("New app password")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke Phone" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Phone", Exact = true })).ToHaveCountAsync(0);
        await Assert.ThrowsAsync<AuthenticationException>(() => ImapLoginAsync(account.Address, phone));
        await ImapLoginAsync(account.Address, reader);
        // The account password goes on working (two factors are not on).
        await ImapLoginAsync(account.Address, "correct horse");
    }
}
