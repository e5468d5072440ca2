using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Testing;
using Webmail.Web.Tests.Api;

namespace Webmail.Web.Tests.Admin;

/// <summary>An admin makes an API token in the browser, sees it once, uses it with curl and revokes it.</summary>
public sealed class ApiTokenFlowTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    [Fact]
    public async Task ATokenMadeOnTheAdminPageIsShownOnceWorksWithCurlAndStopsWhenRevoked()
    {
        var admin = await fixture.SignedInPageAsync();
        await fixture.GoAsync(admin, "/admin");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();
        await Browser.ClickToNavigateAsync(admin, admin.GetByRole(AriaRole.Link, new() { Name = "API tokens", Exact = true }), new System.Text.RegularExpressions.Regex("/admin/api-tokens$"));
        await Browser.WaitForInteractiveAsync(admin);
        await Assertions.Expect(admin.GetByText("No API tokens yet.")).ToBeVisibleAsync();

        await admin.GetByLabel("Token name").FillAsync("deploy");
        await admin.GetByRole(AriaRole.Radio, new() { Name = "Read-write" }).CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await admin.GetByRole(AriaRole.Cell, new() { Name = "deploy", Exact = true }).WaitForAsync();
        var token = (await admin.GetByLabel("New API token").InnerTextAsync()).Trim();
        Assert.Matches("^wm_[a-z2-7]{40}$", token);
        await Assertions.Expect(admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "deploy" })).ToContainTextAsync("read-write");
        await AdminServerFixture.ScreenshotAsync(admin, "admin-api-token-created");

        // The operator's script: curl with the token.
        var made = await Curl.SendAsync("POST", fixture.Server.BaseUrl + "/api/v1/domains", token, """{"name":"from-curl.example"}""");
        Assert.True(made.Status == 201, made.ToString());
        Assert.NotNull(await fixture.Server.Directory.FindDomainAsync("from-curl.example", default));

        // Shown once: after a reload only the name is left, with where it was last used.
        await admin.ReloadAsync();
        await Browser.WaitForInteractiveAsync(admin);
        await Assertions.Expect(admin.GetByLabel("New API token")).ToHaveCountAsync(0);
        Assert.DoesNotContain(token, await admin.ContentAsync(), StringComparison.Ordinal);
        var row = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "deploy" });
        await Assertions.Expect(row).ToContainTextAsync("from 127.0.0.1");
        await Assertions.Expect(row).ToContainTextAsync(AdminServerFixture.AdminAddress);

        await admin.GetByRole(AriaRole.Button, new() { Name = "Revoke deploy" }).ClickAsync();
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("No API tokens yet.")).ToBeVisibleAsync();

        var refused = await Curl.SendAsync("GET", fixture.Server.BaseUrl + "/api/v1/domains", token);
        Assert.Equal(401, refused.Status);
    }

    [Fact]
    public async Task ThePageFitsAPhoneInTheDarkTheme()
    {
        var directory = fixture.Server.Services.GetRequiredService<DirectoryService>();
        var owner = await fixture.Server.CreateAccountAsync("night@tokens.example", AdminServerFixture.Password, admin: true);
        await directory.SaveSettingsAsync(owner.Id, new AccountSettings { Theme = "dark" }, default);
        await fixture.Server.Services.GetRequiredService<ApiTokenService>().CreateAsync(owner.Id, owner.Address, owner.Address, "nightly backup check", ApiTokenScope.ReadOnly, default);

        var page = await fixture.Browser.NewPageAsync(390, 844);
        await Browser.SignInAsync(page, fixture.Server, owner.Address, AdminServerFixture.Password);
        await fixture.GoAsync(page, "/admin/api-tokens");
        await page.GetByLabel("Token name").FillAsync("phone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("New API token")).ToBeVisibleAsync();
        await AdminServerFixture.ScreenshotAsync(page, "admin-api-tokens-phone-dark");

        // Nothing is wider than the phone: the token and its curl line wrap.
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Revoke nightly backup check" })).ToBeVisibleAsync();
    }
}
