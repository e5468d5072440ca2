using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Playwright;
using OtpNet;

namespace Webmail.Web.Tests;

/// <summary>
/// Two-factor sign-in in Chromium: set up in Settings with the key the page shows (the test computes
/// codes from it as an authenticator app does), sign in with password and code, a replayed code
/// refused, a recovery code once, and MailKit told to use an app password.
/// </summary>
public sealed class TwoFactorFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static string Code(string secret, int stepsAhead) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepsAhead));

    /// <summary>Signs in through the form and stops at the code page.</summary>
    private async Task<IPage> PasswordStepAsync(string address)
    {
        var page = await web.Browser.NewPageAsync();
        await page.GotoAsync(web.Server.BaseUrl + "/signin");
        await page.GetByLabel("Email address").FillAsync(address);
        await page.GetByLabel("Password").FillAsync("correct horse");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Two-factor sign-in" }).WaitForAsync();
        return page;
    }

    private static async Task EnterCodeAsync(IPage page, string code)
    {
        await page.GetByLabel("Code").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
    }

    [Fact]
    public async Task SetUpSignInWithACodeOnceAndWithARecoveryCode()
    {
        var account = await web.NewAccountAsync("twofactor");
        var page = await web.SignInAsync(account);
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up two-factor sign-in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "QR code of the authenticator key" })).ToBeVisibleAsync();
        var secret = (await page.GetByLabel("Authenticator key", new() { Exact = true }).InnerTextAsync()).Replace(" ", "");
        await WebFixture.ScreenshotAsync(page, "settings-two-factor-setup");

        // A wrong code leaves it off and says so; the right one turns it on and shows ten recovery codes.
        await page.GetByLabel("Code from the authenticator app").FillAsync(Code(secret, 0) == "000000" ? "111111" : "000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and turn on" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That code is not right");
        await page.GetByLabel("Code from the authenticator app").FillAsync(Code(secret, 0));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and turn on" }).ClickAsync();
        var codes = page.GetByRole(AriaRole.List, new() { Name = "Recovery codes" }).GetByRole(AriaRole.Listitem);
        await Assertions.Expect(codes).ToHaveCountAsync(10);
        var recovery = (await codes.Nth(0).InnerTextAsync()).Trim();
        await WebFixture.ScreenshotAsync(page, "settings-two-factor-on");

        // Password, then the next step's code: signed in.
        var next = Code(secret, 1);
        var second = await PasswordStepAsync(account.Address);
        await WebFixture.ScreenshotAsync(second, "signin-code");
        await EnterCodeAsync(second, next);
        await Webmail.Testing.Browser.WaitForUrlAsync(second, url => url == web.Server.BaseUrl + "/");

        // The same code again (a replay) is refused; a recovery code works.
        var third = await PasswordStepAsync(account.Address);
        await EnterCodeAsync(third, next);
        await Assertions.Expect(third.GetByRole(AriaRole.Alert)).ToContainTextAsync("already used");
        await EnterCodeAsync(third, recovery);
        await Webmail.Testing.Browser.WaitForUrlAsync(third, url => url == web.Server.BaseUrl + "/");

        // Mail programs are told why the account password no longer works for them.
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", web.Server.ImapPort, SecureSocketOptions.None);
        var refused = await Assert.ThrowsAsync<AuthenticationException>(() => imap.AuthenticateAsync(account.Address, "correct horse"));
        Assert.Contains("use an app password", refused.Message, StringComparison.Ordinal);
    }
}
