using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Web.Tests;

/// <summary>The settings page in a real Chromium against the whole server: what is saved, what it changes, and the password.</summary>
public sealed class SettingsFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private async Task<IPage> OpenSettingsAsync(Account account)
    {
        var page = await web.SignInAsync(account);
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Settings" }).WaitForAsync();
        await page.GetByLabel("Display name").WaitForAsync();
        return page;
    }

    /// <summary>
    /// Picks a radio and waits until it shows as chosen. The radio's state comes from the server's render:
    /// under load a render for an earlier input can reach the page after the click and before the click's
    /// own render, so Playwright's CheckAsync, which reads the state once right after clicking, saw it unchanged.
    /// </summary>
    private static async Task ChooseAsync(IPage page, string option)
    {
        var radio = page.GetByRole(AriaRole.Radio, new() { Name = option, Exact = true });
        // A forced click lands on whatever is on top: keep the radio clear of the fixed app bar.
        await radio.EvaluateAsync("e => e.scrollIntoView({ block: 'center' })");
        await radio.ClickAsync(new() { Force = true });
        await Assertions.Expect(radio).ToBeCheckedAsync();
    }

    /// <summary>
    /// Saves and waits for this save's confirmation. A confirmation still showing from an earlier save
    /// would pass the wait at once (and the snackbar does not show the same text twice), so it must be gone first.
    /// </summary>
    private static async Task SaveAsync(IPage page)
    {
        var saved = page.GetByText("Settings saved.");
        await Assertions.Expect(saved).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Assertions.Expect(saved).ToBeVisibleAsync();
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.Contains("/signin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SettingsPersistAcrossSignOutAndApplyToTheMailbox()
    {
        var account = await web.NewAccountAsync("prefs");
        var page = await OpenSettingsAsync(account);
        await WebFixture.ScreenshotAsync(page, "settings-light");
        // The mail-program settings name the ports this server runs.
        var clients = page.Locator("section, div").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Mail programs" }) }).Last;
        await Assertions.Expect(clients.GetByRole(AriaRole.Row).Filter(new() { HasText = "IMAP" })).ToContainTextAsync(web.Server.ImapPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Looked at, not asserted: the table is a table on a desktop and stacks into labelled lines on a phone.
        await page.GetByRole(AriaRole.Heading, new() { Name = "Mail programs", Exact = true }).ScrollIntoViewIfNeededAsync();
        await WebFixture.ScreenshotAsync(page, "settings-mail-programs");
        await page.SetViewportSizeAsync(390, 844);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Mail programs", Exact = true }).ScrollIntoViewIfNeededAsync();
        await WebFixture.ScreenshotAsync(page, "settings-mail-programs-phone");
        await page.SetViewportSizeAsync(1280, 800);
        await Assertions.Expect(clients.GetByRole(AriaRole.Row).Filter(new() { HasText = "POP3" })).ToContainTextAsync(web.Server.Pop3Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(clients.GetByRole(AriaRole.Row).Filter(new() { HasText = "SMTP" })).ToContainTextAsync(web.Server.SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await page.GetByLabel("Display name").FillAsync("Petra Prefs");
        await page.GetByLabel("Signature").FillAsync("Petra\nSent from the web");
        await ChooseAsync(page, "Dark");
        await ChooseAsync(page, "Compact");
        await ChooseAsync(page, "Keep it in the Inbox");
        await ChooseAsync(page, "Never show");
        await SaveAsync(page);

        // The theme changes at once, without a reload.
        await Assertions.Expect(page.Locator("[data-theme='dark']")).ToHaveCountAsync(1);
        await WebFixture.ScreenshotAsync(page, "settings-dark");
        var stored = await web.Server.Directory.GetAccountAsync(account.Id, default);
        Assert.Equal("Petra Prefs", stored!.DisplayName);
        Assert.Equal(Pop3DeletePolicy.Keep, stored.Pop3DeletePolicy);
        var settings = await web.Server.Directory.GetSettingsAsync(account.Id, default);
        Assert.Equal(("dark", "compact", "never"), (settings.Theme, settings.Density, settings.RemoteContent));
        Assert.Equal("Petra\nSent from the web", settings.Signature.Replace("\r\n", "\n"));

        await SignOutAsync(page);
        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address);

        await Assertions.Expect(page.Locator("[data-theme='dark']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".mailbox.mailbox--compact")).ToHaveCountAsync(1);
        await web.DeliverAsync(account, "Dark and compact");
        await Assertions.Expect(page.Locator(".message-row", new() { HasText = "Dark and compact" })).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "mailbox-dark-compact");
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Display name")).ToHaveValueAsync("Petra Prefs");
        await Assertions.Expect(page.GetByLabel("Signature")).ToHaveValueAsync("Petra\nSent from the web");
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = "Dark", Exact = true })).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = "Compact", Exact = true })).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = "Keep it in the Inbox", Exact = true })).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = "Never show", Exact = true })).ToBeCheckedAsync();
    }

    [Fact]
    public async Task Pop3DeletePolicyChosenInSettingsDecidesWhatDeleDoes()
    {
        var account = await web.NewAccountAsync("popkeep");
        var page = await OpenSettingsAsync(account);
        await ChooseAsync(page, "Keep it in the Inbox");
        await SaveAsync(page);
        var kept = await web.DeliverAsync(account, "Keep me on the server");

        using (var pop = new Pop3Client())
        {
            await pop.ConnectAsync("127.0.0.1", web.Server.Pop3Port, SecureSocketOptions.None);
            await pop.AuthenticateAsync(account.Address, "correct horse");
            Assert.Equal(1, pop.Count);
            await pop.GetMessageAsync(0);
            await pop.DeleteMessageAsync(0);
            await pop.DisconnectAsync(true);
        }

        var summary = await web.Server.Messages.GetSummaryAsync(account.Id, kept, default);
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        Assert.NotNull(summary);
        Assert.Equal(inbox.Id, summary.FolderId);
        Assert.True(summary.IsSeen);

        // Back to the RFC 1939 behaviour: the next DELE removes the message.
        await ChooseAsync(page, "Delete it from the server");
        await SaveAsync(page);
        using (var pop = new Pop3Client())
        {
            await pop.ConnectAsync("127.0.0.1", web.Server.Pop3Port, SecureSocketOptions.None);
            await pop.AuthenticateAsync(account.Address, "correct horse");
            await pop.DeleteMessageAsync(0);
            await pop.DisconnectAsync(true);
        }
        Assert.Null(await web.Server.Messages.GetSummaryAsync(account.Id, kept, default));
    }

    [Fact]
    public async Task PasswordChangeNeedsTheCurrentOneAndSignsInWithTheNewOne()
    {
        var account = await web.NewAccountAsync("passwd");
        var page = await OpenSettingsAsync(account);

        await page.GetByLabel("Current password", new() { Exact = true }).FillAsync("not my password");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new secret");
        await page.GetByLabel("Repeat the new password").FillAsync("a brand new secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The current password is not correct.");

        await page.GetByLabel("Current password", new() { Exact = true }).FillAsync("correct horse");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("short");
        await page.GetByLabel("Repeat the new password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("at least 8 characters");

        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new secret");
        await page.GetByLabel("Repeat the new password").FillAsync("a brand new secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.Contains("/signin", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Sign in with the new password");

        await page.GetByLabel("Email address").FillAsync(account.Address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("correct horse");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not correct");

        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address, "a brand new secret");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Message list" })).ToBeVisibleAsync();
        var audit = await web.Server.Services.GetRequiredService<IAuditLog>().QueryAsync(account.Address, 0, 100, default);
        Assert.Contains(audit.Items, e => e.Action == "account.passwd" && e.Target == account.Address && e.Actor == account.Address);
    }

    [Fact]
    public async Task ADarkChoiceIsInThePrerenderedPage()
    {
        var account = await web.NewAccountAsync("prerender");
        await web.Server.Services.GetRequiredService<Webmail.Core.Accounts.DirectoryService>().SaveSettingsAsync(account.Id, new AccountSettings { Theme = "dark" }, default);
        // Without JavaScript there is no circuit: what shows is the server's prerendered HTML.
        var context = await web.Browser.NewContextAsync(new() { JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        await page.GotoAsync(web.Server.BaseUrl + "/signin");
        await page.GetByLabel("Email address").FillAsync(account.Address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("correct horse");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => !url.Contains("/signin", StringComparison.Ordinal));

        await Assertions.Expect(page.Locator("[data-theme='dark'][data-interactive='false']")).ToHaveCountAsync(1);
        await context.CloseAsync();
    }

    [Fact]
    public async Task SystemThemeFollowsTheBrowsersColorSchemeLive()
    {
        var account = await web.NewAccountAsync("systheme");
        await web.DeliverAsync(account, "Read in the dark", body: "Night mode text.", from: "Nora Night <nora@remote.example>");
        var page = await web.Browser.NewPageAsync();
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address);

        await Assertions.Expect(page.Locator("[data-theme='dark']")).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Link, new() { Name = "Read in the dark" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Reading pane" })).ToContainTextAsync("Night mode text.");
        await WebFixture.ScreenshotAsync(page, "reading-dark");

        // The circuit noted the dark scheme, so the next page's prerendered HTML is dark already (no light
        // flash before the circuit starts).
        var reload = await page.ReloadAsync();
        Assert.Contains("data-theme=\"dark\"", await reload!.TextAsync(), StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "reading-dark-after-reload");

        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });

        await Assertions.Expect(page.Locator("[data-theme='light']")).ToHaveCountAsync(1);
        await page.WaitForFunctionAsync("() => document.cookie.split('; ').includes('webmail-scheme=light')");
    }

    [Fact]
    public async Task SettingsPageOnAPhoneFitsTheScreen()
    {
        var account = await web.NewAccountAsync("phoneprefs");
        var page = await web.SignInAsync(account, 390, 844);
        await page.GotoAsync(web.Server.BaseUrl + "/settings");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("Display name").WaitForAsync();

        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow);
        await WebFixture.ScreenshotAsync(page, "settings-phone");
    }
}
