using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>
/// The admin requires two factors of everyone (a server of its own, started with that policy): a
/// passkey satisfies it, and the last one cannot be removed while it is the only second factor.
/// </summary>
public sealed class PasskeyRequiredFlowTests : IAsyncLifetime
{
    private TestServer _server = default!;
    private Webmail.Testing.Browser _browser = default!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["applicationName"] = "Webmail",
            ["Webmail:Security:RequireTwoFactor"] = "Everyone",
        });
        _browser = await SharedWeb.BrowserAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task APasskeySatisfiesTheRequirementAndTheLastOneStays()
    {
        var account = await _server.CreateAccountAsync("required@local.example");
        var local = _server.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var page = await _browser.NewPageAsync(390, 844);
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true,
                ["hasUserVerification"] = true, ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });
        await Webmail.Testing.Browser.SignInAsync(page, local, account.Address);

        // Nothing but the setup until a second factor is on; a passkey is one.
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("add a passkey");
        await page.GetByLabel("Passkey name").FillAsync("Phone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add passkey", Exact = true }).ClickAsync();
        var next = page.GetByRole(AriaRole.Button, new() { Name = "Continue to your mail" });
        await Assertions.Expect(next).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "required-two-factor-passkey-phone");
        await next.ClickAsync();
        await Assertions.Expect(page.GetByText("Your administrator requires two-factor sign-in")).ToHaveCountAsync(0);

        // The only second factor stays.
        await page.GotoAsync(local + "/settings");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove passkey Phone" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "add another passkey or set up an authenticator app" })).ToBeVisibleAsync();
        Assert.True((await _server.Directory.GetAccountAsync(account.Id, default))!.HasPasskeys);
    }
}
