using System.Net;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// The web on several nodes (issue 19): one data-protection key ring in the store, so a sign-in on one node holds
/// on another; and the first-run setup, open on every node of a new store, makes one first admin however many
/// nodes are asked at once.
/// </summary>
public sealed class SharedSignInTests
{
    private const string User = "ann@local.example";

    [Fact]
    public async Task SignInOnOneNodeIsValidOnTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        var cookies = new CookieContainer();
        using var web = NodeClients.Web(cookies);
        Assert.False(await NodeClients.IsSignedInAsync(web, nodes[1]));

        await NodeClients.SignInAsync(web, nodes[0], User);

        Assert.True(await NodeClients.IsSignedInAsync(web, nodes[0]));
        Assert.True(await NodeClients.IsSignedInAsync(web, nodes[1]));
        // And a node started later reads the same key ring.
        await nodes.RestartAsync(1);
        Assert.True(await NodeClients.IsSignedInAsync(web, nodes[1]));
    }

    [Fact]
    public async Task SetupAskedOfTwoNodesAtOnceMakesOneFirstAdmin()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        using var web0 = NodeClients.Web(new CookieContainer());
        using var web1 = NodeClients.Web(new CookieContainer());

        // Both setup pages are open before either form is sent, as two operators' browsers would be.
        var setup0 = NodeClients.Url(nodes[0], "/setup");
        var setup1 = NodeClients.Url(nodes[1], "/setup");
        var token0 = await NodeClients.FormTokenAsync(web0, setup0);
        var token1 = await NodeClients.FormTokenAsync(web1, setup1);

        var answers = await Task.WhenAll(
            NodeClients.PostFormAsync(web0, setup0, "setup", token0, SetupFields("first.example")),
            NodeClients.PostFormAsync(web1, setup1, "setup", token1, SetupFields("second.example")));

        var locations = answers.Select(a => a.Headers.Location?.ToString() ?? $"({a.StatusCode})").Order().ToList();
        Assert.Equal(["/", "/signin"], locations);
        using var scratch = new TempDirectory("webmail-node-check");
        await using var store = new TestStoreAt(scratch.Path, nodes.Settings.ToDictionary(p => p.Key, p => (string?)p.Value));
        Assert.Equal(1, await store.Directory.CountAccountsAsync(default));
        foreach (var answer in answers)
            answer.Dispose();
    }

    private static Dictionary<string, string> SetupFields(string domain) => new()
    {
        ["Input.Domain"] = domain,
        ["Input.Address"] = "admin@" + domain,
        ["Input.DisplayName"] = "Admin",
        ["Input.Password"] = "correct horse battery",
        ["Input.Confirm"] = "correct horse battery",
    };
}
