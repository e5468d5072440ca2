using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Mail.Outbound;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>Routes, smart host, MX in preference order, the A/AAAA fallback and DNS failures, with a test resolver.</summary>
public sealed class RoutingTests : IAsyncLifetime
{
    private readonly TestDns _dns = new();
    private OutboundHarness _h = null!;
    private OutboundQueueService _queue = null!;

    public async Task InitializeAsync()
    {
        // No route for b.example here: it goes through DNS, with MX hosts answering on the scripted server's port.
        _h = await OutboundHarness.StartAsync(new Dictionary<string, string?> { ["Webmail:Delivery:Routes:b.example"] = "" });
        Options.Delivery.MxPort = _h.Remote.Port;
        var routes = new RouteResolver(_dns, _h.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>());
        var transmitter = ActivatorUtilities.CreateInstance<SmtpTransmitter>(_h.Services, (IDnsLookup)_dns);
        _queue = ActivatorUtilities.CreateInstance<OutboundQueueService>(_h.Services, routes, transmitter);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private WebmailOptions Options => _h.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>().CurrentValue;

    private Task<IReadOnlyList<long>> SendToBettyAsync() =>
        _h.SendAsync(TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example"), "betty@b.example");

    private async Task<string> BounceStatusAsync()
    {
        var dsn = OutboundHarness.Parse(Assert.Single(await _h.InboxAsync(_h.Lucy)));
        return Assert.Single(OutboundHarness.RecipientGroups(dsn))["Status"]!;
    }

    [Fact]
    public async Task TriesMxHostsInPreferenceOrderAndFallsBackToTheNext()
    {
        _dns.Mx["b.example"] = [new MxHost(20, "mx2.b.example"), new MxHost(10, "mx1.b.example")];
        // mx1 is 127.0.0.2: nothing listens there, so the connection is refused.
        _dns.Addresses["mx1.b.example"] = [IPAddress.Parse("127.0.0.2")];
        _dns.Addresses["mx2.b.example"] = [IPAddress.Loopback];
        await SendToBettyAsync();

        await _queue.ProcessDueAsync(default);

        Assert.Single(_h.Remote.Accepted);
        Assert.Equal(0, await _h.QueueStore.CountAsync(default));
    }

    [Fact]
    public async Task DomainWithoutMxIsDeliveredToItsAddressRecord()
    {
        _dns.Addresses["b.example"] = [IPAddress.Loopback];
        await SendToBettyAsync();

        await _queue.ProcessDueAsync(default);

        Assert.Single(_h.Remote.Accepted);
    }

    [Fact]
    public async Task DomainWithNullMxBouncesAtOnce()
    {
        _dns.Mx["b.example"] = [new MxHost(0, "")];
        await SendToBettyAsync();

        await _queue.ProcessDueAsync(default);

        Assert.Equal("5.1.10", await BounceStatusAsync());
        Assert.Equal(0, _h.Remote.Connections);
    }

    [Fact]
    public async Task NonexistentDomainBounces()
    {
        await SendToBettyAsync();

        await _queue.ProcessDueAsync(default);

        Assert.Equal("5.1.2", await BounceStatusAsync());
        Assert.Equal(0, await _h.QueueStore.CountAsync(default));
    }

    [Fact]
    public async Task DnsFailureIsRetried()
    {
        _dns.Failing.Add("b.example");
        var ids = await SendToBettyAsync();

        await _queue.ProcessDueAsync(default);

        var entry = await _h.QueueStore.GetAsync(ids[0], default);
        Assert.NotNull(entry);
        Assert.Contains("SERVFAIL", entry.LastError);
        Assert.Empty(await _h.InboxAsync(_h.Lucy));
    }

    [Fact]
    public async Task ConfiguredRouteWinsOverSmartHostAndMx()
    {
        Options.Delivery.SmartHost = "127.0.0.9:25";
        Options.Delivery.Routes["b.example"] = "10.1.2.3:2525";
        var routes = new RouteResolver(_dns, _h.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>());

        Assert.Equal([new DeliveryTarget("10.1.2.3", 2525)], (await routes.ResolveAsync("b.example", default)).Targets);
        Assert.Equal([new DeliveryTarget("127.0.0.9", 25, IsSmartHost: true)], (await routes.ResolveAsync("c.example", default)).Targets);
    }

    [Fact]
    public async Task SmartHostTakesAllRemoteMail()
    {
        Options.Delivery.SmartHost = _h.Remote.Endpoint;
        await SendToBettyAsync();

        await _queue.ProcessDueAsync(default);

        Assert.Single(_h.Remote.Accepted);
    }

    [Theory]
    [InlineData("mx.example:2525", "mx.example", 2525)]
    [InlineData("mx.example", "mx.example", 25)]
    [InlineData("[::1]:2526", "::1", 2526)]
    [InlineData("127.0.0.1:25", "127.0.0.1", 25)]
    public void ParsesHostAndPort(string value, string host, int port) =>
        Assert.Equal(new DeliveryTarget(host, port), RouteResolver.ParseHostPort(value, 25));
}
