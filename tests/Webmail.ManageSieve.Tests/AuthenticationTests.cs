using Microsoft.Extensions.DependencyInjection;
using OtpNet;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;
using Webmail.ManageSieve.Session;

namespace Webmail.ManageSieve.Tests;

/// <summary>AUTHENTICATE "PLAIN" in both forms, STARTTLS, the plaintext rule, two factors and the shared login limiter.</summary>
public sealed class AuthenticationTests
{
    private static string Plain(string user = ManageSieveTestHost.Address, string password = ManageSieveTestHost.Password) => SieveTranscript.Plain(user, password);

    [Fact]
    public async Task AuthenticateTakesTheResponseAfterAnEmptyChallengeQuotedOrAsALiteral()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        await using var quoted = await host.ConnectAsync();
        await using var literal = await host.ConnectAsync();

        await quoted.SendAsync("AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await quoted.ReadLineAsync());
        Assert.Equal("OK \"Logged in\"", (await quoted.CommandAsync($"\"{Plain()}\"")).Status);

        await literal.SendAsync("Authenticate {5+}\r\nPLAIN\r\n");
        Assert.Equal("\"\"", await literal.ReadLineAsync());
        Assert.Equal("OK \"Logged in\"", (await literal.CommandAsync($"{{{Plain().Length}+}}\r\n{Plain()}")).Status);
        Assert.Equal("OK \"Listscripts completed\"", (await literal.CommandAsync("LISTSCRIPTS")).Status);
    }

    [Fact]
    public async Task TheClientCancelsWithAStar()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        await using var client = await host.ConnectAsync();

        await client.SendAsync("AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await client.ReadLineAsync());

        Assert.Equal("NO \"Authentication cancelled\"", (await client.CommandAsync("\"*\"")).Status);
        Assert.Equal("NO \"Authenticate first\"", (await client.CommandAsync("LISTSCRIPTS")).Status);
    }

    [Fact]
    public async Task AnOversizeSaslResponseClosesTheConnection()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        await using var client = await host.ConnectAsync();

        await client.SendAsync("AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await client.ReadLineAsync());
        await client.SendAsync("{100000+}\r\n");

        Assert.Equal("BYE \"Too much data\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task WrongPasswordsAndUnknownUsersAnswerAlikeAndThreeEndTheSession()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        await using var client = await host.ConnectAsync();

        Assert.Equal("NO \"Unsupported SASL mechanism\"", (await client.CommandAsync("AUTHENTICATE \"LOGIN\"")).Status);
        Assert.Equal("NO \"Authentication failed\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain(password: "wrong")}\"")).Status);
        Assert.Equal("NO \"Authentication failed\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain("nobody@local.example")}\"")).Status);
        var third = await client.CommandAsync("AUTHENTICATE \"PLAIN\" \"not base64!\"");

        Assert.Equal("NO \"Invalid SASL PLAIN response\"", third.Status);
        Assert.Equal("BYE \"Too many failed logins\"", (await client.ReadReplyAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, ManageSieveSession.MaxFailedLogins);
    }

    [Fact]
    public async Task TheSharedLimiterRefusesAnAddressAfterTooManyFailures()
    {
        await using var host = await ManageSieveTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Security:MaxFailedLogins"] = "2",
            ["Webmail:Security:LoginDelayStep"] = "00:00:00.010",
        });
        for (var i = 0; i < 2; i++)
        {
            await using var attacker = await host.ConnectAsync();
            Assert.Equal("NO \"Authentication failed\"", (await attacker.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain(password: "guess" + i)}\"")).Status);
        }

        await using var client = await host.ConnectAsync();
        var refused = await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain()}\"");

        // Even the right password: the address is banned for a while, whichever door it knocked on.
        Assert.Equal("NO (TRYLATER) \"Too many failed logins, try again later\"", refused.Status);
        var audit = await host.Store.Services.GetRequiredService<IAuditLog>().QueryAsync("managesieve", 0, 20, default);
        Assert.Contains(audit.Items, a => a.Action == "login.failed" && a.Target == "managesieve");
    }

    [Fact]
    public async Task WithoutTlsNoMechanismIsOfferedUntilStartTlsAndTheCapabilitiesComeAgain()
    {
        await using var host = await ManageSieveTestHost.StartAsync(new Dictionary<string, string?> { ["Webmail:Security:AllowPlaintextAuthOnLoopback"] = "false" });
        await using var client = await host.ConnectAsync();

        Assert.Contains("\"SASL\" \"\"", client.Greeting.Lines);
        Assert.Contains("\"STARTTLS\"", client.Greeting.Lines);
        Assert.Equal("NO (ENCRYPT-NEEDED) \"Use STARTTLS before authenticating\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain()}\"")).Status);

        Assert.Equal("OK \"Begin TLS negotiation now\"", (await client.CommandAsync("STARTTLS")).Status);
        await client.StartTlsAsync();
        var again = await client.ReadReplyAsync();

        // RFC 5804 §2.2: the capabilities again, now with PLAIN and without STARTTLS.
        Assert.Equal(
        [
            "\"IMPLEMENTATION\" \"Webmail\"",
            "\"SASL\" \"PLAIN\"",
            client.Greeting.Lines[2],
            "\"MAXREDIRECTS\" \"4\"",
            "\"UNAUTHENTICATE\"",
            "\"VERSION\" \"1.0\"",
        ], again.Lines);
        Assert.Equal("OK \"TLS negotiation successful\"", again.Status);
        Assert.Equal("NO \"TLS is active already\"", (await client.CommandAsync("STARTTLS")).Status);
        Assert.Equal("OK \"Logged in\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain()}\"")).Status);
        Assert.Equal("OK \"Putscript completed\"", (await client.CommandAsync("PUTSCRIPT \"over tls\" {5+}\r\nkeep;")).Status);
    }

    [Fact]
    public async Task WhatWasSentInPlainTextAfterStartTlsIsNotRun()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        await using var client = await host.ConnectAsync();

        // A command injected behind STARTTLS (RFC 3207 §5's attack) must not run inside the TLS session.
        await client.SendAsync($"STARTTLS\r\nAUTHENTICATE \"PLAIN\" \"{Plain()}\"\r\n");
        Assert.Equal("OK \"Begin TLS negotiation now\"", (await client.ReadReplyAsync()).Status);
        await client.StartTlsAsync();
        Assert.Equal("OK \"TLS negotiation successful\"", (await client.ReadReplyAsync()).Status);

        Assert.Equal("NO \"Authenticate first\"", (await client.CommandAsync("LISTSCRIPTS")).Status);
    }

    [Fact]
    public async Task WithTwoFactorsOnlyAnImapAppPasswordLogsIn()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        var secret = TwoFactorService.NewSecret();
        await host.Store.Services.GetRequiredService<TwoFactorService>().EnableAsync(host.Account.Id, host.Account.Address, secret,
            new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow), default);
        var appPasswords = host.Store.Services.GetRequiredService<AppPasswordService>();
        var (_, imap) = await appPasswords.CreateAsync(host.Account.Id, host.Account.Address, "Thunderbird", AppPasswordProtocols.Imap, default);
        var (_, pop3) = await appPasswords.CreateAsync(host.Account.Id, host.Account.Address, "Phone", AppPasswordProtocols.Pop3, default);
        await using var client = await host.ConnectAsync();

        Assert.Equal("NO \"Two-factor sign-in is on for this account: use an app password for IMAP (web Settings, App passwords)\"",
            (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain()}\"")).Status);
        Assert.Equal("NO \"Authentication failed\"", (await client.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain(password: pop3)}\"")).Status);
        await using var other = await host.ConnectAsync();
        Assert.Equal("OK \"Logged in\"", (await other.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain(password: imap)}\"")).Status);
    }

    [Fact]
    public async Task ADisabledAccountLosesItsOpenSession()
    {
        await using var host = await ManageSieveTestHost.StartAsync();
        host.Context.AccountCheckInterval = TimeSpan.Zero;
        await using var client = await host.LoginAsync();

        await host.Store.DirectoryService.SetDisabledAsync(host.Account.Address, true, "test", default);

        Assert.Equal("BYE \"Account disabled\"", (await client.CommandAsync("LISTSCRIPTS")).Status);
    }
}
