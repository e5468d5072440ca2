using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>The POP3 listener as the whole server runs it: configured endpoint, health registration.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task ServerListensOnTheConfiguredPop3EndpointAndReportsItHealthy()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Hostname"] = "mail.local.example" });
        await server.CreateAccountAsync("user@local.example");

        await using var client = await RawPop3Client.ConnectAsync(server.Pop3Port);
        Assert.Equal("+OK mail.local.example POP3 ready", client.Greeting);
        Assert.Equal("+OK", await client.CommandAsync("USER user@local.example"));
        Assert.Equal("+OK Maildrop has 0 messages (0 octets)", await client.CommandAsync("PASS correct horse"));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));

        using var http = new HttpClient();
        using var response = await http.GetAsync(server.BaseUrl + "/healthz");
        var health = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var pop3 = health.GetProperty("listeners").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "pop3");
        Assert.True(pop3.GetProperty("up").GetBoolean());
        Assert.Equal($"127.0.0.1:{server.Pop3Port}", pop3.GetProperty("endpoint").GetString());
    }
}
