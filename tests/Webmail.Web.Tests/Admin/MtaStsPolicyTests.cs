using Microsoft.Extensions.DependencyInjection;
using Webmail.Admin;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

/// <summary>The MTA-STS policy (RFC 8461 §3.2, §3.3) on the web listener, fetched by curl with the policy host's name.</summary>
public sealed class MtaStsPolicyTests : IAsyncLifetime
{
    private TestServer _server = default!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Hostname"] = "mx.zone.example" });
        await _server.Services.GetRequiredService<DirectoryService>().AddDomainAsync("zone.example", "test", default);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>curl's status line code and body for the policy path asked with <paramref name="host"/>.</summary>
    private async Task<(string Status, string Body)> FetchAsync(string host)
    {
        var result = await ExternalProgram.RunAsync("curl", ["-s", "-i", "-H", $"Host: {host}", $"{_server.BaseUrl}{MtaStsEndpoint.Path}"], TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.ToString());
        var split = result.Output.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = result.Output[..split];
        var status = head.Split(' ')[1];
        if (status == "200")
            Assert.Contains("\r\nContent-Type: text/plain; charset=utf-8", head, StringComparison.OrdinalIgnoreCase);
        return (status, result.Output[(split + 4)..]);
    }

    [Fact]
    public async Task PolicyIsServedForTheDomainsPolicyHostWithItsMode()
    {
        Assert.Equal(("200", "version: STSv1\r\nmode: none\r\nmx: mx.zone.example\r\nmax_age: 604800\r\n"), await FetchAsync("mta-sts.zone.example"));

        await _server.Services.GetRequiredService<MtaStsPolicies>().SetModeAsync("zone.example", MtaStsMode.Enforce, "admin@zone.example", default);

        Assert.Equal(("200", "version: STSv1\r\nmode: enforce\r\nmx: mx.zone.example\r\nmax_age: 604800\r\n"), await FetchAsync("MTA-STS.Zone.Example"));
        var audit = await _server.Services.GetRequiredService<IAuditLog>().QueryAsync("domain.mta-sts", 0, 10, default);
        Assert.Equal(("admin@zone.example", "zone.example", "enforce"), (audit.Items[0].Actor, audit.Items[0].Target, audit.Items[0].Detail));
    }

    [Fact]
    public async Task OtherHostsAndDomainsNotServedGetNotFound()
    {
        Assert.Equal("404", (await FetchAsync("mta-sts.elsewhere.example")).Status);
        Assert.Equal("404", (await FetchAsync("zone.example")).Status);
        Assert.Equal("404", (await FetchAsync("127.0.0.1")).Status);
    }
}
