using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Playwright;
using Webmail.Admin;
using Webmail.Auth;

namespace Webmail.Web.Tests.Admin;

/// <summary>The admin pages and actions are refused on the server to anyone who is not an admin.</summary>
public sealed class AdminAuthorizationTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    public static readonly TheoryData<string> AdminPaths = new()
    {
        "/admin", "/admin/domains", "/admin/accounts", "/admin/aliases", "/admin/queue", "/admin/audit", "/admin/settings",
    };

    [Theory]
    [MemberData(nameof(AdminPaths))]
    public async Task AnonymousRequestIsSentToSignIn(string path)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(fixture.Server.BaseUrl) };
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedInNonAdminIsRefusedEveryAdminPageOnTheServer()
    {
        await fixture.Server.CreateAccountAsync("plain@users.example", "plain password");
        var page = await fixture.SignedInPageAsync("plain@users.example", "plain password");
        foreach (var path in AdminPaths)
        {
            // The HTTP request itself, with the user's cookie: the endpoint's Admin policy answers before any page renders.
            var response = await page.Context.APIRequest.GetAsync(fixture.Server.BaseUrl + path, new() { MaxRedirects = 0 });
            Assert.Equal(302, response.Status);
            Assert.Contains("/denied", response.Headers["location"], StringComparison.Ordinal);

            // And in the browser: navigating there shows the refusal, no admin content.
            await page.GotoAsync(fixture.Server.BaseUrl + path);
            await page.GetByText("Access denied").First.WaitForAsync();
            Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "New account" }).CountAsync());
        }
    }

    [Fact]
    public async Task NonAdminCircuitCannotNavigateIntoAdminPages()
    {
        await fixture.Server.CreateAccountAsync("plain2@users.example", "plain password");
        var page = await fixture.SignedInPageAsync("plain2@users.example", "plain password");
        // Client-side navigation inside the circuit (no new HTTP request) still goes through the router's authorization.
        await page.EvaluateAsync("() => Blazor.navigateTo('/admin/accounts')");
        await page.GetByText("You do not have access to this page.").WaitForAsync();
        Assert.Equal(0, await page.GetByRole(AriaRole.Table, new() { Name = "Accounts" }).CountAsync());
    }

    [Fact]
    public async Task AdminGateRefusesANonAdminAction()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "plain@users.example"), new Claim(ClaimTypes.NameIdentifier, "5")], "Cookies"));
        var gate = new AdminGate(new FixedAuthenticationState(user));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(gate.RequireAdminAsync);

        var anonymous = new AdminGate(new FixedAuthenticationState(new ClaimsPrincipal(new ClaimsIdentity())));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(anonymous.RequireAdminAsync);
    }

    [Fact]
    public async Task AdminGateNamesTheAdminAsTheActor()
    {
        var admin = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "root@admin.example"), new Claim(ClaimTypes.Role, AccountClaims.AdminRole)], "Cookies"));
        Assert.Equal("root@admin.example", await new AdminGate(new FixedAuthenticationState(admin)).RequireAdminAsync());
    }

    /// <summary>The authentication state a circuit would hold for this user.</summary>
    private sealed class FixedAuthenticationState(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
