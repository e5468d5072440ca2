using Microsoft.Playwright;
using Webmail.Auth;

namespace Webmail.Web.Tests;

/// <summary>The signed-in sessions in Settings, in two real browser contexts signed in to one account.</summary>
public sealed class SessionFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task AUserSeesWhereTheyAreSignedInAndSignsOutTheOtherDevice()
    {
        var account = await web.NewAccountAsync("sessions");
        // Both through the sign-in page, as people sign in: the sessions are what this test is about.
        var laptop = await web.Browser.NewPageAsync();
        await Webmail.Testing.Browser.SignInAsync(laptop, web.Server, account.Address);
        var phone = await web.Browser.NewPageAsync(390, 844);
        await phone.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1" });
        await Webmail.Testing.Browser.SignInAsync(phone, web.Server, account.Address);

        await laptop.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        var table = laptop.GetByRole(AriaRole.Table).Filter(new() { HasText = "This device" });
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(3);
        await Assertions.Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = "This device" })).ToContainTextAsync("Chrome on Linux");
        var other = table.GetByRole(AriaRole.Row).Filter(new() { HasText = "Safari on iPhone" });
        await Assertions.Expect(other).ToContainTextAsync("127.0.0.1");
        await other.ScrollIntoViewIfNeededAsync();
        await WebFixture.ScreenshotAsync(laptop, "settings-sessions");

        await laptop.GetByRole(AriaRole.Button, new() { Name = "Sign out all other sessions" }).ClickAsync();
        await laptop.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);
        await Assertions.Expect(laptop.GetByRole(AriaRole.Button, new() { Name = "Sign out all other sessions" })).ToBeDisabledAsync();

        // The phone's cookie names a session that no longer exists: its next page load is the sign-in page.
        await phone.GotoAsync(web.Server.BaseUrl + "/settings");
        await Webmail.Testing.Browser.WaitForUrlAsync(phone, url => url.Contains("/signin", StringComparison.Ordinal));
        // The laptop stays signed in.
        await laptop.ReloadAsync();
        await laptop.GetByRole(AriaRole.Heading, new() { Name = "Signed-in sessions" }).WaitForAsync();
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "Safari on macOS")]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1", "Chrome on iPad")]
    [InlineData("curl/8.5.0", "Unknown browser")]
    [InlineData("", "Unknown device")]
    public void DevicesAreNamedAsPeopleKnowThem(string userAgent, string expected) => Assert.Equal(expected, DeviceDescription.From(userAgent));
}
