using System.Text;
using Webmail.Core.Filters;
using Webmail.ManageSieve.Protocol;
using Webmail.ManageSieve.Session;

namespace Webmail.ManageSieve.Tests;

/// <summary>What a client sends is bounded: literals, lines, commands before login, bad commands, idle time.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private ManageSieveTestHost _host = null!;

    public async Task InitializeAsync() => _host = await ManageSieveTestHost.StartAsync(new Dictionary<string, string?>
    {
        ["Webmail:Limits:ManageSieveIdleTimeout"] = "00:00:02",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnOversizeScriptIsRefusedWithQuotaMaxSizeBeforeItsOctetsAreSent()
    {
        await using var client = await _host.LoginAsync();
        var size = SieveScriptService.MaxScriptBytes + 1;

        // Only the announcement: the refusal must come without the octets.
        await client.SendAsync($"PUTSCRIPT \"big\" {{{size}+}}\r\n");
        var refused = await client.ReadReplyAsync();

        Assert.Equal("NO (QUOTA/MAXSIZE) \"The script is larger than the limit of 64 KB\"", refused.Status);
        // The octets that were on their way are dropped, and the session goes on.
        await client.SendAsync(new string('#', size) + "\r\n");
        Assert.Equal("OK \"Done\"", (await client.CommandAsync("NOOP")).Status);
        Assert.Empty(await _host.Scripts.ListAsync(_host.Account.Id, default));
        await client.SendAsync($"CHECKSCRIPT {{{size}}}\r\n");
        Assert.Equal("NO (QUOTA/MAXSIZE) \"The script is larger than the limit of 64 KB\"", (await client.ReadReplyAsync()).Status);
    }

    [Fact]
    public async Task ALiteralTooLargeToDropClosesTheConnection()
    {
        await using var client = await _host.LoginAsync();

        await client.SendAsync($"PUTSCRIPT \"big\" {{{ManageSieveSession.MaxDiscardedLiteral + 1}+}}\r\n");

        Assert.Equal("NO (QUOTA/MAXSIZE) \"The script is larger than the limit of 64 KB\"", (await client.ReadReplyAsync()).Status);
        Assert.Equal("BYE \"Too much data\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task BeforeLoginAnyLongLiteralClosesTheConnection()
    {
        await using var client = await _host.ConnectAsync();

        await client.SendAsync("PUTSCRIPT \"big\" {5000+}\r\n");

        Assert.Equal("NO \"Argument too long\"", (await client.ReadReplyAsync()).Status);
        Assert.Equal("BYE \"Too much data\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ScriptCommandsBeforeLoginAreRefused()
    {
        Assert.True((await _host.Scripts.PutAsync(_host.Account.Id, "test", "rules", "keep;", default)).Succeeded);
        await using var client = await _host.ConnectAsync();

        foreach (var command in new[] { "LISTSCRIPTS", "GETSCRIPT \"rules\"", "PUTSCRIPT \"x\" \"keep;\"", "SETACTIVE \"rules\"", "DELETESCRIPT \"rules\"", "RENAMESCRIPT \"rules\" \"y\"", "CHECKSCRIPT \"keep;\"", "HAVESPACE \"x\" 1" })
            Assert.Equal("NO \"Authenticate first\"", (await client.CommandAsync(command)).Status);
        Assert.Equal(["rules"], (await _host.Scripts.ListAsync(_host.Account.Id, default)).Select(s => s.Name));
    }

    [Theory]
    [InlineData("GETSCRIPT \"unterminated", "NO \"Unterminated quoted string\"")]
    [InlineData("GETSCRIPT \"bad \\n escape\"", "NO \"Bad escape in quoted string\"")]
    [InlineData("HAVESPACE \"x\" 4294967296", "NO \"Number too large\"")]
    [InlineData("HAVESPACE \"x\" 12ab", "NO \"Bad number\"")]
    [InlineData("GETSCRIPT \"a\"\"b\"", "NO \"Expected a space between arguments\"")]
    [InlineData("GETSCRIPT", "NO \"Syntax: GETSCRIPT name\"")]
    [InlineData("GETSCRIPT rules", "NO \"Syntax: GETSCRIPT name\"")]
    [InlineData("PUTSCRIPT \"a\" \"b\" \"c\"", "NO \"Syntax: PUTSCRIPT name script\"")]
    [InlineData("FROBNICATE", "NO \"Unknown command\"")]
    [InlineData("", "NO \"Empty command\"")]
    [InlineData("\"a string\"", "NO \"Unknown command\"")]
    public async Task MalformedCommandsAreAnsweredNoAndTheSessionGoesOn(string command, string reply)
    {
        await using var client = await _host.LoginAsync();

        Assert.Equal(reply, (await client.CommandAsync(command)).Status);
        Assert.Equal("OK \"Done\"", (await client.CommandAsync("NOOP")).Status);
    }

    [Fact]
    public async Task AQuotedStringLongerThanTheGrammarAllowsIsRefused()
    {
        await using var client = await _host.LoginAsync();

        Assert.Equal("NO \"Quoted string too long; send a literal\"", (await client.CommandAsync($"CHECKSCRIPT \"{new string('#', CommandReader.MaxQuoted + 1)}\"")).Status);
        Assert.Equal("OK \"Script is valid\"", (await client.CommandAsync($"CHECKSCRIPT \"{new string('#', CommandReader.MaxQuoted)}\"")).Status);
    }

    [Fact]
    public async Task ABadCommandAnnouncingALiteralHasItsOctetsSkipped()
    {
        await using var client = await _host.LoginAsync();

        // The literal's octets look like a command: they must not be run as one.
        Assert.Equal("NO \"Expected a space between arguments\"", (await client.CommandAsync("PUTSCRIPT \"a\"x {13+}\r\nLOGOUT\r\nNOOP!")).Status);

        Assert.Equal("OK \"Done\"", (await client.CommandAsync("NOOP")).Status);
    }

    [Fact]
    public async Task ScriptsMustBeUtf8()
    {
        await using var client = await _host.LoginAsync();

        await client.SendAsync([.. "CHECKSCRIPT {2+}\r\n"u8, 0xC3, 0x28, .. "\r\n"u8]);

        Assert.Equal("NO \"Strings must be UTF-8\"", (await client.ReadReplyAsync()).Status);
        Assert.Equal("OK \"Done\"", (await client.CommandAsync("NOOP")).Status);
    }

    [Fact]
    public async Task AnOverlongLineClosesTheConnection()
    {
        await using var client = await _host.LoginAsync();

        await client.SendAsync("NOOP " + new string('x', CommandReader.MaxLine + 10));

        Assert.Equal("BYE \"Line too long\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task TooManyCommandsWithoutLoggingInCloseTheConnection()
    {
        await using var client = await _host.ConnectAsync();

        for (var i = 0; i < ManageSieveSession.MaxUnauthenticatedCommands; i++)
            Assert.Equal("OK \"Done\"", (await client.CommandAsync("NOOP")).Status);
        var last = await client.CommandAsync("NOOP");

        Assert.Equal("BYE \"Too many commands without logging in\"", last.Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task TooManyBadCommandsInARowCloseTheConnection()
    {
        await using var client = await _host.LoginAsync();

        for (var i = 1; i < ManageSieveSession.MaxBadCommands; i++)
            Assert.Equal("NO \"Unknown command\"", (await client.CommandAsync("BOGUS")).Status);
        var last = await client.CommandAsync("BOGUS");

        Assert.Equal("NO \"Unknown command\"", last.Status);
        Assert.Equal("BYE \"Too many bad commands\"", (await client.ReadReplyAsync()).Status);
    }

    [Fact]
    public async Task AnIdleSessionIsLoggedOut()
    {
        await using var client = await _host.LoginAsync();

        var bye = await client.ReadReplyAsync();

        Assert.Equal("BYE \"Disconnected for inactivity\"", bye.Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task AStalledLiteralCountsAsIdle()
    {
        await using var client = await _host.LoginAsync();

        await client.SendAsync("PUTSCRIPT \"slow\" {100+}\r\nkeep;");

        Assert.Equal("BYE \"Disconnected for inactivity\"", (await client.ReadReplyAsync()).Status);
        Assert.Empty(await _host.Scripts.ListAsync(_host.Account.Id, default));
    }

    [Fact]
    public async Task AStalledSaslResponseCountsAsIdle()
    {
        await using var client = await _host.ConnectAsync();

        await client.SendAsync("AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await client.ReadLineAsync());

        Assert.Equal("BYE \"Disconnected for inactivity\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ARefusedLiteralThatStallsWhileBeingDroppedCountsAsIdle()
    {
        await using var client = await _host.LoginAsync();

        await client.SendAsync($"PUTSCRIPT \"big\" {{{SieveScriptService.MaxScriptBytes + 1}+}}\r\nkeep;");

        Assert.StartsWith("NO (QUOTA/MAXSIZE)", (await client.ReadReplyAsync()).Status);
        Assert.Equal("BYE \"Disconnected for inactivity\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ConnectionsPastThePerAddressLimitAreTurnedAway()
    {
        await using var host = await ManageSieveTestHost.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxSessionsPerIp"] = "2" });
        await using var first = await host.ConnectAsync();
        await using var second = await host.ConnectAsync();

        await using var third = await host.ConnectAsync();

        Assert.Equal("BYE (TRYLATER) \"Too many connections, try again later\"", third.Greeting.Status);
        Assert.Equal("OK \"Done\"", (await first.CommandAsync("NOOP")).Status);
    }
}
