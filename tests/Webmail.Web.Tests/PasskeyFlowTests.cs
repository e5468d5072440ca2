using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Web.Tests;

/// <summary>
/// Passkeys in Chromium with its virtual authenticator (DevTools protocol, WebAuthn domain): added in
/// Settings, then used alone and as the second step after the password, removed; and a passkey the
/// server never registered refused. The pages are opened as http://localhost: WebAuthn takes no IP
/// address as the relying party's id, and localhost counts as a secure origin without TLS.
/// </summary>
public sealed class PasskeyFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private string Local => web.Server.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    /// <summary>A page with a platform authenticator that keeps discoverable credentials and verifies its user (a laptop with a fingerprint reader).</summary>
    private async Task<(IPage Page, ICDPSession Cdp, string AuthenticatorId)> PageWithAuthenticatorAsync(int width = 1400, int height = 900)
    {
        var page = await web.Browser.NewPageAsync(width, height);
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        return (page, cdp, added!.Value.GetProperty("authenticatorId").GetString()!);
    }

    private static async Task<JsonElement[]> CredentialsAsync(ICDPSession cdp, string authenticatorId) =>
        (await cdp.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = authenticatorId }))!.Value
            .GetProperty("credentials").EnumerateArray().ToArray();

    private async Task OpenSettingsAsync(IPage page)
    {
        await page.GotoAsync(Local + "/settings");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Passkeys", Exact = true }).WaitForAsync();
    }

    private async Task AddPasskeyAsync(IPage page, string name)
    {
        await OpenSettingsAsync(page);
        await page.GetByLabel("Passkey name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add passkey", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = name })).ToBeVisibleAsync();
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url.Contains("/signin", StringComparison.Ordinal));
        // The address changes before the sign-in page has loaded; a screenshot in between fails.
        await page.GetByLabel("Email address").WaitForAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    private async Task PasswordStepAsync(IPage page, string address)
    {
        await page.GotoAsync(Local + "/signin");
        await page.GetByLabel("Email address").FillAsync(address);
        await page.GetByLabel("Password").FillAsync("correct horse");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    private async Task UsePasskeyAndArriveHomeAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey" }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url == Local + "/");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
    }

    [Fact]
    public async Task AddedPasskeySignsInAloneAndAfterThePasswordUntilRemoved()
    {
        var account = await web.NewAccountAsync("passkey");
        var (page, cdp, authenticator) = await PageWithAuthenticatorAsync();
        await Webmail.Testing.Browser.SignInAsync(page, Local, account.Address);

        // Added in Settings: a discoverable credential for this host, listed by name, never used yet.
        await AddPasskeyAsync(page, "Test laptop");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "every other browser was signed out" })).ToBeVisibleAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Test laptop" });
        await Assertions.Expect(row).ToContainTextAsync("Never");
        var stored = Assert.Single(await CredentialsAsync(cdp, authenticator));
        Assert.True(stored.GetProperty("isResidentCredential").GetBoolean());
        Assert.Equal("localhost", stored.GetProperty("rpId").GetString());
        Assert.True((await web.Server.Directory.GetAccountAsync(account.Id, default))!.HasPasskeys);
        await row.ScrollIntoViewIfNeededAsync();
        await WebFixture.ScreenshotAsync(page, "settings-passkeys");
        await page.SetViewportSizeAsync(390, 844);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Passkeys", Exact = true }).ScrollIntoViewIfNeededAsync();
        await WebFixture.ScreenshotAsync(page, "settings-passkeys-phone");
        Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth"));
        await page.SetViewportSizeAsync(1400, 900);

        // Password-less: no address typed, the passkey names the account.
        await SignOutAsync(page);
        await WebFixture.ScreenshotAsync(page, "signin-with-passkey");
        await UsePasskeyAndArriveHomeAsync(page);

        // The password now leads to the second step, which the passkey finishes.
        await SignOutAsync(page);
        await PasswordStepAsync(page, account.Address);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Two-factor sign-in" }).WaitForAsync();
        await Assertions.Expect(page.GetByText("Use your passkey to finish signing in.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Code")).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "signin-code-passkey");
        await page.SetViewportSizeAsync(390, 844);
        await WebFixture.ScreenshotAsync(page, "signin-code-passkey-phone");
        await page.SetViewportSizeAsync(1400, 900);
        await UsePasskeyAndArriveHomeAsync(page);

        var audit = await web.Server.Services.GetRequiredService<IAuditLog>().QueryAsync(account.Address, 0, 50, default);
        Assert.Contains(audit.Items, a => a.Action == "login" && a.Detail == "passkey (Test laptop)");
        Assert.Contains(audit.Items, a => a.Action == "login" && a.Detail == "second factor: passkey (Test laptop)");

        // Removed: last use shown until then; afterwards the password alone signs in again.
        await OpenSettingsAsync(page);
        await Assertions.Expect(row).Not.ToContainTextAsync("Never");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove passkey Test laptop" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No passkeys yet.")).ToBeVisibleAsync();
        Assert.Contains((await web.Server.Services.GetRequiredService<IAuditLog>().QueryAsync(account.Address, 0, 50, default)).Items, a => a.Action == "passkey.remove");
        await SignOutAsync(page);
        await Webmail.Testing.Browser.SignInAsync(page, Local, account.Address);
    }

    [Fact]
    public async Task APasskeyTheServerNeverRegisteredIsRefusedAndCountsAsAFailedLogin()
    {
        var account = await web.NewAccountAsync("foreignkey");
        // The account has a passkey, but this browser holds another one for the same site and user
        // handle (made elsewhere, never registered here): a sign-in with it is refused.
        var passkeys = web.Server.Services.GetRequiredService<IPasskeyStore>();
        var (page, cdp, authenticator) = await PageWithAuthenticatorAsync(390, 844);
        await Webmail.Testing.Browser.SignInAsync(page, Local, account.Address);
        await AddPasskeyAsync(page, "Phone");
        var handle = (await passkeys.GetPasskeyUserHandleAsync(account.Id, default))!;
        await cdp.SendAsync("WebAuthn.clearCredentials", new Dictionary<string, object> { ["authenticatorId"] = authenticator });
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await cdp.SendAsync("WebAuthn.addCredential", new Dictionary<string, object>
        {
            ["authenticatorId"] = authenticator,
            ["credential"] = new Dictionary<string, object>
            {
                ["credentialId"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
                ["isResidentCredential"] = true,
                ["rpId"] = "localhost",
                ["privateKey"] = Convert.ToBase64String(key.ExportPkcs8PrivateKey()),
                ["userHandle"] = Convert.ToBase64String(handle),
                ["signCount"] = 0,
            },
        });

        await SignOutAsync(page);
        await WebFixture.ScreenshotAsync(page, "signin-with-passkey-phone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That passkey was not accepted");
        Assert.EndsWith("/signin", page.Url, StringComparison.Ordinal);
        await WebFixture.ScreenshotAsync(page, "signin-passkey-refused-phone");
        var audit = await web.Server.Services.GetRequiredService<IAuditLog>().QueryAsync("login.failed", 0, 50, default);
        Assert.Contains(audit.Items, a => a.Detail == "passkey: unknown passkey");

    }

    [Fact]
    public async Task WithAnAuthenticatorAppTooEitherTheCodeOrAPasskeyFinishesTheSignIn()
    {
        var account = await web.NewAccountAsync("bothfactors");
        var (page, _, _) = await PageWithAuthenticatorAsync();
        await Webmail.Testing.Browser.SignInAsync(page, Local, account.Address);
        await AddPasskeyAsync(page, "Laptop");
        var secret = TwoFactorService.NewSecret();
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        await web.Server.Services.GetRequiredService<TwoFactorService>().EnableAsync(account.Id, account.Address, secret, totp.ComputeTotp(DateTime.UtcNow), default);

        // The passkey, offered beside the code.
        await PasswordStepAsync(page, account.Address);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Two-factor sign-in" }).WaitForAsync();
        await Assertions.Expect(page.GetByLabel("Code")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "signin-code-and-passkey");
        await UsePasskeyAndArriveHomeAsync(page);

        // The code, with the passkey on the same page.
        await SignOutAsync(page);
        await PasswordStepAsync(page, account.Address);
        await page.GetByLabel("Code").FillAsync(totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Webmail.Testing.Browser.WaitForUrlAsync(page, url => url == Local + "/");
    }
}
