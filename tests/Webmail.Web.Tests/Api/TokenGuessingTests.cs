using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Api;

/// <summary>Guessing tokens goes through the one login limiter: the address is banned, for the API and every other door.</summary>
public sealed class TokenGuessingTests : IAsyncLifetime
{
    private TestServer _server = default!;

    public async Task InitializeAsync() =>
        // Its own server: the ban of 127.0.0.1 must not reach other tests.
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Security:MaxFailedLogins"] = "3",
            ["Webmail:Security:LoginDelayStep"] = "00:00:00",
        });

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

        // The same ban as every other door's: a right password from the address is refused too.
        var login = await _server.Services.GetRequiredService<CredentialVerifier>().VerifyAsync(admin.Address, "correct horse", IPAddress.Loopback, "imap", default);
        Assert.Equal(LoginStatus.Throttled, login.Status);
        var failures = await _server.Services.GetRequiredService<IAuditLog>().QueryAsync("login.failed", 0, 10, default);
        Assert.Equal(3, failures.Items.Count(e => e.Target == "api"));
    }
}
