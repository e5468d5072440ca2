using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary>
/// The sign-in door as an attacker tries it, over real HTTP against the whole server: return URLs
/// that browsers would turn into another site, addresses of any length, a banned address hammering
/// on, a copied cookie after sign-out, and forwarded headers.
/// </summary>
public sealed class WebSignInHardeningTests(WebSignInHardeningTests.SharedServer shared) : IClassFixture<WebSignInHardeningTests.SharedServer>
{
    private const string Password = "correct horse";

    /// <summary>One server for the tests that neither ban nor reconfigure (each of the others starts its own).</summary>
    public sealed class SharedServer : IAsyncLifetime
    {
        public TestServer Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Server = await TestServer.StartAsync();
            await Server.CreateAccountAsync("lucy@local.example", Password);
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public static readonly TheoryData<string> ForeignReturnUrls = new()
    {
        "%2F%09%2Fother.example%2F", // "/\t/other.example/": browsers drop the tab and go to //other.example/
        "%2F%0A%2Fother.example", "%2F%0D%2Fother.example", "%2F%0B%2Fother.example", "%2F%20%2Fother.example",
        "%2F%2Fother.example", "%2F%5Cother.example", "%2F%5C%5Cother.example", "https%3A%2F%2Fother.example%2F",
        "%2Fok%2F%5C..%2F..", "%2F%C3%A9t%C3%A9", "",
    };

    [Theory]
    [MemberData(nameof(ForeignReturnUrls))]
    public async Task SignInNeverRedirectsOffTheSite(string encodedReturnUrl)
    {
        var server = shared.Server;
        using var web = new WebSession(server.BaseUrl);

        using var response = await web.SubmitAsync("/signin?ReturnUrl=" + encodedReturnUrl, "signin",
            new Dictionary<string, string> { ["Input.Address"] = "lucy@local.example", ["Input.Password"] = Password });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignInReturnsToALocalPath()
    {
        var server = shared.Server;
        using var web = new WebSession(server.BaseUrl);

        using var response = await web.SubmitAsync("/signin?ReturnUrl=%2Fsettings%3Ftab%3D2", "signin",
            new Dictionary<string, string> { ["Input.Address"] = "lucy@local.example", ["Input.Password"] = Password });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/settings?tab=2", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AHugeAddressIsRefusedAndOnlyABoundedCopyIsRecorded()
    {
        var server = shared.Server;
        using var web = new WebSession(server.BaseUrl);
        var huge = new string('a', 1024 * 1024) + "\n@local.example";

        using var response = await web.SignInAsync(huge, Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("The address or password is not correct.", WebSession.AlertOf(await response.Content.ReadAsStringAsync()));
        var entries = (await server.Services.GetRequiredService<IAuditLog>().QueryAsync(null, 0, 100, default)).Items;
        var failed = Assert.Single(entries, e => e.Action == "login.failed" && e.Detail == "too long");
        Assert.True(failed.Actor.Length < 300, $"audit actor is {failed.Actor.Length} characters");
        Assert.DoesNotContain('\n', failed.Actor);
    }

    [Fact]
    public async Task ABannedAddressCannotMakeTheServerWriteForEveryTry()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Security:MaxFailedLogins"] = "3",
            ["Webmail:Security:LoginDelayStep"] = "00:00:00",
        });
        await server.CreateAccountAsync("lucy@local.example", Password);
        using var web = new WebSession(server.BaseUrl);
        for (var i = 0; i < 3; i++)
            (await web.SignInAsync("lucy@local.example", "wrong password")).Dispose();

        for (var i = 0; i < 20; i++)
        {
            using var refused = await web.SignInAsync($"victim{i}@local.example", "wrong password");
            Assert.StartsWith("Too many failed sign-in attempts", WebSession.AlertOf(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        var audit = server.Services.GetRequiredService<IAuditLog>();
        Assert.Equal(1, (await audit.QueryAsync("login.throttled", 0, 100, default)).Total);
    }

    [Fact]
    public async Task SignOutEndsTheSessionForACopiedCookieToo()
    {
        var server = shared.Server;
        var jar = new CookieContainer();
        using var browser = new WebSession(server.BaseUrl, jar);
        using var signIn = await browser.SignInAsync("lucy@local.example", Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        // Without "Remember me" the cookie lives only as long as the browser: no Expires, no Max-Age.
        var setCookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("webmail.auth=", StringComparison.Ordinal));
        Assert.DoesNotContain("expires=", setCookie, StringComparison.OrdinalIgnoreCase);

        // The attacker's copy of the cookie.
        var stolen = new CookieContainer();
        stolen.Add(jar.GetCookies(new Uri(server.BaseUrl)));
        using var attacker = new WebSession(server.BaseUrl, stolen);
        using (var before = await attacker.GetAsync("/settings"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using (var signOut = await browser.SubmitAsync("/signout", "signout", new Dictionary<string, string>()))
            Assert.Equal("/signin", signOut.Headers.Location?.OriginalString);

        using var after = await attacker.GetAsync("/settings");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/signin", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedHeadersAreBelievedOnlyFromKnownProxies()
    {
        await using var proxied = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Web:KnownProxies:0"] = "127.0.0.0/8",
            ["Webmail:Security:MaxFailedLogins"] = "3",
        });
        await proxied.CreateAccountAsync("lucy@local.example", Password);

        // One client behind the proxy fails until it is banned...
        using (var attacker = new WebSession(proxied.BaseUrl, forwardedFor: "203.0.113.5"))
        {
            // (Guessing at another account: the account's own pauses are a separate defence.)
            for (var i = 0; i < 4; i++)
                (await attacker.SignInAsync("betty@local.example", "wrong password")).Dispose();
            using var banned = await attacker.SignInAsync("lucy@local.example", Password);
            Assert.StartsWith("Too many failed sign-in attempts", WebSession.AlertOf(await banned.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }
        // ...and everyone else behind the same proxy still signs in, over a Secure cookie.
        using (var user = new WebSession(proxied.BaseUrl, forwardedFor: "198.51.100.7"))
        {
            using var ok = await user.SignInAsync("lucy@local.example", Password);
            Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
            Assert.Contains(ok.Headers.GetValues("Set-Cookie"), c => c.StartsWith("webmail.auth=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        }
        var audit = proxied.Services.GetRequiredService<IAuditLog>();
        Assert.Contains((await audit.QueryAsync("login.failed", 0, 10, default)).Items, e => e.RemoteIp == "203.0.113.5");

        // Without a configured proxy the header is the client's own claim and is ignored.
        await using var direct = await TestServer.StartAsync();
        await direct.CreateAccountAsync("lucy@local.example", Password);
        using (var liar = new WebSession(direct.BaseUrl, forwardedFor: "203.0.113.9"))
            (await liar.SignInAsync("lucy@local.example", "wrong password")).Dispose();
        var entry = Assert.Single((await direct.Services.GetRequiredService<IAuditLog>().QueryAsync("login.failed", 0, 10, default)).Items);
        Assert.Equal("127.0.0.1", entry.RemoteIp);
    }

    [Fact]
    public async Task PagesCarryAScriptPolicyAndTheMailBodyKeepsItsOwn()
    {
        var server = shared.Server;
        using var web = new WebSession(server.BaseUrl);
        using var page = await web.GetAsync("/signin");
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self' 'nonce-", policy, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline' 'nonce", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditEntriesPastTheRetentionAreRemovedInTheBackground()
    {
        using var data = new TempDirectory("webmail-retention");
        await using (var store = new TestStoreAt(data.Path))
        {
            var audit = store.Services.GetRequiredService<IAuditLog>();
            await audit.WriteAsync("old", "login", "web", "", null, default);
            await audit.WriteAsync("recent", "login", "web", "", null, default);
            // Age the first entry by a year, as if written then.
            await store.Services.GetRequiredService<Webmail.Storage.SqliteDatabase>().Writer.ExecuteAsync(context =>
                context.Command("UPDATE audit_log SET at = at - 31536000000 WHERE actor = 'old'").ExecuteNonQuery(), default);
        }

        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:AuditRetention"] = "30.00:00:00" }, data.Path);
        var log = server.Services.GetRequiredService<IAuditLog>();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); (await log.QueryAsync("old", 0, 10, default)).Total > 0 && DateTime.UtcNow < deadline;)
            await Task.Delay(50);

        Assert.Equal(0, (await log.QueryAsync("old", 0, 10, default)).Total);
        Assert.Equal(1, (await log.QueryAsync("recent", 0, 10, default)).Total);
    }
}
