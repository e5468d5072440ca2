using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Web.Tests.Api;

/// <summary>
/// One server for the API tests, with an admin and a route for <c>remote.example</c> to a closed port
/// and a queue worker that polls hourly, so mail a test queues waits for the test's own actions (a
/// bounce of an entry the worker holds would be refused). Each test works on its own domain.
/// </summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    public const string AdminAddress = "ops@api.example";

    public TestServer Server { get; private set; } = default!;
    public Account Admin { get; private set; } = default!;
    public string Api => Server.BaseUrl + "/api/v1";

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Delivery:Routes:remote.example"] = $"127.0.0.1:{FreePort.Next()}",
            ["Webmail:Delivery:PollInterval"] = "01:00:00",
        });
        Admin = await Server.CreateAccountAsync(AdminAddress, "correct horse", admin: true);
    }

    /// <summary>A new token of the admin (as the admin page makes it); its secret.</summary>
    public async Task<string> TokenAsync(ApiTokenScope scope, string name = "script", Account? owner = null)
    {
        owner ??= Admin;
        var (_, secret) = await Server.Services.GetRequiredService<ApiTokenService>().CreateAsync(owner.Id, owner.Address, owner.Address, name, scope, default);
        return secret;
    }

    public Task<CurlResponse> CallAsync(string method, string path, string? token, string? json = null) => Curl.SendAsync(method, Api + path, token, json);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
