using System.Net;
using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Web.Tests.Ux;

/// <summary>The small things: the New folder dialog, the not-found page with its 404, the Admin entry and the admin sub-navigation.</summary>
public sealed class SmallThingsFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task TheNewFolderDialogFocusesItsFieldAndSaysRequiredOnlyAfterATry()
    {
        var account = await web.NewAccountAsync("folders");
        var page = await web.SignInAsync(account, 1280, 900);
        await page.GetByRole(AriaRole.Button, new() { Name = "New folder" }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog.GetByLabel("Folder name")).ToBeFocusedAsync();
        await Assertions.Expect(dialog).Not.ToContainTextAsync("Required");
        await page.Keyboard.PressAsync("Tab"); // leaving the empty field is no try yet
        await Assertions.Expect(dialog).Not.ToContainTextAsync("Required");

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("Required");
        await Screens.TakeAsync(page, "new-folder-required");
        await dialog.GetByLabel("Folder name").FillAsync("Receipts");
        await Assertions.Expect(dialog).Not.ToContainTextAsync("Required");
        await dialog.GetByLabel("Folder name").PressAsync("Enter");

        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByText("Receipts", new() { Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnUnknownAddressAnswers404WithTheNotFoundPage()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, web.Server.BaseUrl + "/no/such/page");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync());

        // The mail endpoints keep their bare 404 for programs.
        using var bare = await http.GetAsync(web.Server.BaseUrl + "/no/such/page");
        Assert.Equal(HttpStatusCode.NotFound, bare.StatusCode);
        Assert.Equal("", await bare.Content.ReadAsStringAsync());

        var account = await web.NewAccountAsync("lost");
        var page = await web.SignInAsync(account, 1280, 900);
        var answer = await page.GotoAsync(web.Server.BaseUrl + "/folders/of/nothing");
        Assert.Equal(404, answer!.Status);
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await Screens.TakeAsync(page, "not-found");
        await Webmail.Testing.Browser.ClickToNavigateAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Go to your mail" }), new System.Text.RegularExpressions.Regex("/$"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AdminsHaveAnAdminEntryAndAnAdminSubNavigation()
    {
        var admin = await web.Server.CreateAccountAsync($"boss{Guid.NewGuid():N}@local.example", admin: true);
        var page = await web.SignInAsync(admin, 1280, 900);
        var entry = page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true });
        await Webmail.Testing.Browser.ClickToNavigateAsync(page, entry, new System.Text.RegularExpressions.Regex("/admin$"));

        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Admin sections" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link)).ToHaveTextAsync(["Dashboard", "Domains", "Accounts", "Aliases", "Queue", "Audit log", "Server settings"]);
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Dashboard" })).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("active"));
        await Webmail.Testing.Browser.ClickToNavigateAsync(page, nav.GetByRole(AriaRole.Link, new() { Name = "Queue" }), new System.Text.RegularExpressions.Regex("/admin/queue$"));
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Queue" })).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("active"));
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Dashboard" })).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("active"));
        await Screens.TakeAsync(page, "admin-nav");
        await page.Context.CloseAsync();

        var user = await web.NewAccountAsync("plain");
        var userPage = await web.SignInAsync(user, 1280, 900);
        await Assertions.Expect(userPage.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true })).ToHaveCountAsync(0);
        await userPage.Context.CloseAsync();
    }
}
