using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>Long lines, bad command streaks, per-IP limits, and a failing session that must not take the listener down.</summary>
public sealed class RobustnessTests : IAsyncLifetime
{
    private Pop3TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await Pop3TestHost.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxSessionsPerIp"] = "4" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task LineOf255OctetsIsAcceptedAndLongerIsRefused()
    {
        await using var client = await _host.ConnectAsync();

        // RFC 2449 §4: 255 octets including CRLF.
        Assert.Equal("+OK", await client.CommandAsync("USER " + new string('a', 255 - 2 - 5)));
        Assert.Equal("-ERR Line too long", await client.CommandAsync("USER " + new string('a', 255 - 2 - 4)));
        Assert.Equal("-ERR Line too long", await client.CommandAsync("USER " + new string('a', 5000)));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task RunawayLineClosesTheConnection()
    {
        await using var client = await _host.ConnectAsync();

        await client.SendAsync(new string('x', 200_000));

        Assert.Equal("-ERR Line too long, closing connection", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task TwentyBadCommandsInARowCloseTheConnection()
    {
        await using var client = await _host.ConnectAsync();

        for (var i = 1; i < 20; i++)
            Assert.Equal("-ERR Unknown command", await client.CommandAsync("BOGUS"));

        Assert.Equal("-ERR Too many bad commands, closing connection", await client.CommandAsync("BOGUS"));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task GoodCommandResetsTheBadCommandCount()
    {
        await using var client = await _host.ConnectAsync();

        for (var i = 0; i < 19; i++)
            Assert.Equal("-ERR Unknown command", await client.CommandAsync("BOGUS"));
        Assert.Equal("+OK", await client.CommandAsync("USER someone"));
        for (var i = 0; i < 19; i++)
            Assert.Equal("-ERR Unknown command", await client.CommandAsync("BOGUS"));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task SessionThatHitsAFailureAnswersSysTempAndTheListenerKeepsServing()
    {
        var stored = await _host.AppendAsync(TestMessages.Simple());
        await using var client = await _host.LoginAsync();
        // Break the store under the session: the raw bytes vanish while the message row stays.
        await using (var connection = _host.Store.Database.OpenConnection())
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM message_raw WHERE message_id = " + stored.Id;
            command.ExecuteNonQuery();
        }

        Assert.Equal("-ERR [SYS/TEMP] Internal error, try again later", await client.CommandAsync("RETR 1"));
        Assert.True(await client.IsClosedByServerAsync());

        await using var next = await _host.LoginAsync();
        Assert.Equal("+OK Bye", await next.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task TooManySessionsFromOneAddressAreTurnedAway()
    {
        var open = new List<RawPop3Client>();
        for (var i = 0; i < 4; i++)
            open.Add(await _host.ConnectAsync());

        await using var extra = await _host.ConnectAsync();

        Assert.Equal("-ERR [SYS/TEMP] Too many connections from your address", extra.Greeting);
        Assert.True(await extra.IsClosedByServerAsync());
        await open[0].DisposeAsync();
        await AuthorizationTests.WaitUntilAsync(() => _host.Context.Connections.OpenFrom(System.Net.IPAddress.Loopback) == 3);
        await using var afterOneLeft = await _host.ConnectAsync();
        Assert.Equal("+OK localhost POP3 ready", afterOneLeft.Greeting);
        foreach (var client in open.Skip(1))
            await client.DisposeAsync();
    }

    [Fact]
    public async Task BareLfEndsACommandLineToo()
    {
        await using var client = await _host.ConnectAsync();

        await client.SendAsync("NOOP\nQUIT\n");

        Assert.Equal("-ERR Log in first", await client.ReadLineAsync());
        Assert.Equal("+OK Bye", await client.ReadLineAsync());
    }
}
