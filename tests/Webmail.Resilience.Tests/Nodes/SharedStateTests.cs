using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Filters;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// What the admin and the login limiter decide on one node holds on every node (issue 19): live settings, login
/// bans, disabled accounts.
/// </summary>
public sealed class SharedStateTests
{
    private const string User = "ann@local.example";
    private const string Admin = "admin@local.example";

    [Fact]
    public async Task LiveSettingChangedOnOneNodeAppliesOnTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(Admin, admin: true);
        using var api0 = await NodeClients.AdminApiAsync(nodes, nodes[0], Admin);
        using var api1 = await NodeClients.AdminApiAsync(nodes, nodes[1], Admin);
        Assert.Equal(25L * 1024 * 1024, await MaxMessageSizeAsync(api1));

        using var put = await api0.PutAsJsonAsync("settings/limits.maxMessageSize", new { value = 123_456 });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var changed = Stopwatch.GetTimestamp();

        while (await MaxMessageSizeAsync(api1) != 123_456)
        {
            Assert.True(Stopwatch.GetElapsedTime(changed) < TimeSpan.FromSeconds(2), "node 1 still has the old message size limit");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task BanEarnedOnOneNodeHoldsOnTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2, new Dictionary<string, string>
        {
            ["Webmail:Security:MaxFailedLogins"] = "3",
            ["Webmail:Security:LoginDelayStep"] = "00:00:00.010",
        });
        await nodes.CreateAccountAsync(User);

        for (var i = 0; i < 3; i++)
            Assert.Equal("a NO [AUTHENTICATIONFAILED] Authentication failed", await ImapLoginAsync(nodes[0], "nobody@local.example", "wrong"));
        Assert.Equal("a NO [UNAVAILABLE] Too many failed logins, try again later", await ImapLoginAsync(nodes[0], User, NodeClients.Password));

        // Node 1 never saw a failure from this address, and still refuses it, even with the right password.
        var banned = Stopwatch.GetTimestamp();
        string reply;
        while ((reply = await ImapLoginAsync(nodes[1], User, NodeClients.Password)) != "a NO [UNAVAILABLE] Too many failed logins, try again later")
        {
            Assert.True(Stopwatch.GetElapsedTime(banned) < TimeSpan.FromSeconds(2), "node 1 let the banned address in: " + reply);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AccountDisabledOnOneNodeIsRefusedAndSignedOutOnTheOther()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(Admin, admin: true);
        await nodes.CreateAccountAsync(User);
        var cookies = new CookieContainer();
        using var web = NodeClients.Web(cookies);
        await NodeClients.SignInAsync(web, nodes[1], User);
        Assert.True(await NodeClients.IsSignedInAsync(web, nodes[1]));
        Assert.StartsWith("a OK", await ImapLoginAsync(nodes[1], User, NodeClients.Password), StringComparison.Ordinal);

        using var api0 = await NodeClients.AdminApiAsync(nodes, nodes[0], Admin);
        using var disable = await api0.PostAsync($"accounts/{User}/disable", null);
        Assert.True(disable.IsSuccessStatusCode, $"disable answered {disable.StatusCode}");

        Assert.False(await NodeClients.IsSignedInAsync(web, nodes[1]));
        Assert.Equal("a NO [AUTHENTICATIONFAILED] Authentication failed", await ImapLoginAsync(nodes[1], User, NodeClients.Password));
    }

    [Fact]
    public async Task FilterChangedElsewhereAppliesToTheNodesNextDelivery()
    {
        await using var nodes = await Harness.Nodes.StartAsync(1);
        var ann = await nodes.CreateAccountAsync(User);
        // The node delivers once with no filter, and keeps that (AccountCache) for its next deliveries.
        await NodeClients.SendAsync(nodes[0].SmtpPort, User, "before");

        // Another process on the same store (the CLI, a second node) makes a filter active: it signals the change.
        using var scratch = new TempDirectory("webmail-node-filter");
        await using var other = new TestStoreAt(scratch.Path, nodes.Settings.ToDictionary(p => p.Key, p => (string?)p.Value));
        var scripts = other.Services.GetRequiredService<SieveScriptService>();
        Assert.True((await scripts.PutAsync(ann.Id, "cli", "rules", "require [\"fileinto\", \"mailbox\"];\nfileinto :create \"Filed\";\n", default)).Succeeded);
        Assert.True((await scripts.ActivateAsync(ann.Id, "cli", "rules", default)).Succeeded);
        var changed = Stopwatch.GetTimestamp();

        // Well before the node would read the script again on its own (AccountCache.Fresh), its deliveries are filtered.
        using var imap = await NodeClients.ImapAsync(nodes[0].ImapPort, User);
        var sent = 0;
        while (true)
        {
            await NodeClients.SendAsync(nodes[0].SmtpPort, User, $"after {++sent}");
            var folders = await imap.GetFoldersAsync(imap.PersonalNamespaces[0]);
            if (folders.FirstOrDefault(f => f.Name == "Filed") is { } filed && await FolderCountAsync(filed) == 1)
                break;
            Assert.True(Stopwatch.GetElapsedTime(changed) < AccountCache<object>.Fresh / 2, $"{sent} deliveries after the change were not filtered");
            await Task.Delay(50);
        }
        Assert.Equal(sent, await FolderCountAsync(imap.Inbox)); // "before" and those the node delivered before it heard
        await imap.DisconnectAsync(quit: true);
    }

    private static async Task<int> FolderCountAsync(MailKit.IMailFolder folder)
    {
        await folder.StatusAsync(MailKit.StatusItems.Count);
        return folder.Count;
    }

    private static async Task<long> MaxMessageSizeAsync(HttpClient api)
    {
        using var settings = JsonDocument.Parse(await api.GetStringAsync("settings"));
        return settings.RootElement.EnumerateArray().Single(s => s.GetProperty("key").GetString() == "limits.maxMessageSize").GetProperty("value").GetInt64();
    }

    /// <summary>One IMAP LOGIN over plain TCP on loopback (allowed there by default); the tagged reply.</summary>
    private static async Task<string> ImapLoginAsync(Harness.ServerProcess node, string user, string password)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, node.ImapPort);
        using var reader = new StreamReader(tcp.GetStream(), Encoding.ASCII);
        await using var writer = new StreamWriter(tcp.GetStream(), Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        var greeting = await reader.ReadLineAsync();
        Assert.StartsWith("* OK", greeting, StringComparison.Ordinal);
        await writer.WriteLineAsync($"a LOGIN \"{user}\" \"{password}\"");
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("a ", StringComparison.Ordinal))
                return line.StartsWith("a OK", StringComparison.Ordinal) ? "a OK" : line;
        }
        return "(connection closed)";
    }
}
