using System.Net;
using System.Net.Sockets;
using Webmail.Core.Configuration;
using Webmail.Testing;

namespace Webmail.ManageSieve.Tests;

/// <summary>The ManageSieve listener as the whole server runs it: the configured endpoint, health, a taken port, the default.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task ServerListensOnTheConfiguredEndpointAndReportsItHealthy()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Hostname"] = "mail.local.example" });
        await server.CreateAccountAsync(ManageSieveTestHost.Address);

        await using var client = await SieveTranscript.ConnectAsync(server.ManageSievePort);
        Assert.Equal("OK \"mail.local.example ManageSieve ready\"", client.Greeting.Status);
        Assert.Equal("OK \"Logged in\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{SieveTranscript.Plain(ManageSieveTestHost.Address, ManageSieveTestHost.Password)}\"")).Status);
        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync("PUTSCRIPT \"rules\" \"keep;\"")).Status);
        Assert.Equal("OK \"Logout completed\"", (await client.CommandAsync("LOGOUT")).Status);

        using var http = new HttpClient();
        using var response = await http.GetAsync(server.BaseUrl + "/healthz");
        var health = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var listener = health.GetProperty("listeners").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "managesieve");
        Assert.True(listener.GetProperty("up").GetBoolean());
        Assert.Equal($"127.0.0.1:{server.ManageSievePort}", listener.GetProperty("endpoint").GetString());
    }

    [Fact]
    public async Task APortThatIsTakenFailsStartUpNamingTheListener()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var endpoint = (IPEndPoint)taken.LocalEndpoint;

        var error = await Assert.ThrowsAsync<IOException>(() => TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:ManageSieve:Endpoint"] = endpoint.ToString() }));

        Assert.StartsWith($"ManageSieve listener managesieve cannot listen on {endpoint}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShutdownTellsOpenSessionsToTryLater()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        await using var client = await host.LoginAsync();

        await host.StopListenerAsync();

        Assert.Equal("BYE (TRYLATER) \"Server shutting down\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void TheDefaultEndpointIsLoopbackPort4190()
    {
        Assert.Equal("127.0.0.1:4190", new WebmailOptions().ManageSieve.Endpoint);
    }
}
