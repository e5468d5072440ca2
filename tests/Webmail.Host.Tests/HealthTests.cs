using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Hosting;
using Webmail.Testing;

namespace Webmail.Host.Tests;

public sealed class HealthTests
{
    /// <summary>A listener that registered but does not accept yet keeps /healthz at 503 until it reports up.</summary>
    [Fact]
    public async Task HealthzAnswers503UntilEveryListenerIsUpThen200()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var listeners = server.Services.GetRequiredService<ListenerRegistry>();
        listeners.Register("late", "SMTP", "127.0.0.1:1", implicitTls: false, startTls: true);

        using (var before = await client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
            using var json = JsonDocument.Parse(await before.Content.ReadAsStringAsync());
            Assert.Equal("unavailable", json.RootElement.GetProperty("status").GetString());
            var late = json.RootElement.GetProperty("listeners").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "late");
            Assert.False(late.GetProperty("up").GetBoolean());
        }

        listeners.MarkUp("late");

        using var after = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        using var body = JsonDocument.Parse(await after.Content.ReadAsStringAsync());
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
        Assert.All(body.RootElement.GetProperty("listeners").EnumerateArray(), l => Assert.True(l.GetProperty("up").GetBoolean()));
    }

    [Fact]
    public async Task HealthzNeedsNoSignInAndIsNotCaughtBySetup()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };

        using var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
