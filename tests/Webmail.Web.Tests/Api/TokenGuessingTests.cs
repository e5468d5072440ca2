using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webmail.Core.Accounts;
using Webmail.Core.Configuration;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Api;

/// <summary>
/// Guessing tokens goes through the one login limiter: the address is banned, for the API and every other door,
/// and every 429 says in Retry-After how long the ban has left (the limiter runs on a clock the test moves).
/// </summary>
public sealed class TokenGuessingTests : IAsyncLifetime
{
    private TestServer _server = default!;
    // The limiter's clock only: the ban's remaining time is then known to the tick.
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync() =>
        // Its own server: the ban of 127.0.0.1 must not reach other tests.
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Security:MaxFailedLogins"] = "3",
            ["Webmail:Security:LoginDelayStep"] = "00:00:00",
            ["Webmail:Security:LoginBanDuration"] = "00:15:00",
        }, services: s => s.AddSingleton(p => new LoginLimiter(p.GetRequiredService<IOptionsMonitor<WebmailOptions>>(), _clock)));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task WrongTokensGetTheAddressBannedEvenForARightToken()
    {
        var admin = await _server.CreateAccountAsync("ops@guess.example", admin: true);
        var (_, token) = await _server.Services.GetRequiredService<ApiTokenService>().CreateAsync(admin.Id, admin.Address, admin.Address, "real", ApiTokenScope.ReadOnly, default);
        var url = _server.BaseUrl + "/api/v1/domains";
        Assert.Equal(200, (await Curl.SendAsync("GET", url, token)).Status);

        for (var i = 0; i < 3; i++)
            Assert.Equal(401, (await Curl.SendAsync("GET", url, "wm_" + new string((char)('a' + i), 40))).Status);

        var banned = await Curl.SendAsync("GET", url, token);
        Assert.True(banned.Status == 429, banned.ToString());
        Assert.StartsWith("application/problem+json", banned.ContentType, StringComparison.Ordinal);
        Assert.Equal("Too many failed attempts from this address; try again later.", banned.Json.GetProperty("detail").GetString());
        // RFC 6585 §4 / RFC 9110 §10.2.3: the rest of the 15-minute ban, in whole seconds rounded up.
        Assert.Equal("900", banned.Headers["retry-after"]);
        _clock.Advance(TimeSpan.FromSeconds(100.4));
        Assert.Equal("800", (await Curl.SendAsync("GET", url, token)).Headers["retry-after"]);
        _clock.Advance(TimeSpan.FromSeconds(799.5));
        Assert.Equal("1", (await Curl.SendAsync("GET", url, token)).Headers["retry-after"]);

        // The same ban as every other door's: a right password from the address is refused too.
        var login = await _server.Services.GetRequiredService<CredentialVerifier>().VerifyAsync(admin.Address, "correct horse", IPAddress.Loopback, "imap", default);
        Assert.Equal(LoginStatus.Throttled, login.Status);
        var failures = await _server.Services.GetRequiredService<IAuditLog>().QueryAsync("login.failed", 0, 10, default);
        Assert.Equal(3, failures.Items.Count(e => e.Target == "api"));

        // Once the ban is over the token works again, and the answer says nothing of retrying.
        _clock.Advance(TimeSpan.FromSeconds(0.2));
        var after = await Curl.SendAsync("GET", url, token);
        Assert.True(after.Status == 200, after.ToString());
        Assert.False(after.Headers.ContainsKey("retry-after"));
    }

    [Fact]
    public async Task APasskeySignInFromABannedAddressGets429WithTheRestOfTheBan()
    {
        await _server.CreateAccountAsync("someone@guess.example");
        var limiter = _server.Services.GetRequiredService<LoginLimiter>();
        for (var i = 0; i < 3; i++)
            limiter.RecordFailure(IPAddress.Loopback, null);
        _clock.Advance(TimeSpan.FromSeconds(60.25));
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(_server.BaseUrl) };
        // As passkeys.js does it: the sign-in page's antiforgery token in a header, the options, then the answer.
        var signIn = await http.GetStringAsync("/signin");
        var antiforgery = Regex.Match(signIn, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(antiforgery);
        http.DefaultRequestHeaders.Add("RequestVerificationToken", antiforgery);
        var options = await http.PostAsJsonAsync("/signin/passkey/options", new { });
        Assert.True(options.IsSuccessStatusCode, await options.Content.ReadAsStringAsync());
        var ceremony = (await options.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ceremony").GetString();

        var refused = await http.PostAsJsonAsync("/signin/passkey", new { ceremony, credential = new { id = "AAAA", type = "public-key" } });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        // 900 s of ban less 60.25 s gone: 839.75, rounded up.
        Assert.Equal("840", Assert.Single(refused.Headers.GetValues("Retry-After")));
        Assert.Equal("Too many failed sign-in attempts. Wait a few minutes and try again.", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }
}
