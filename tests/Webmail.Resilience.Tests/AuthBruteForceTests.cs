using System.Text;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// Password guessing on the submission port. The shared limiter keys failures on the client IP and
/// on the account name (RFC 4954 §4 leaves throttling to the server); these tests pin down what
/// that means for an attacker and for the real user.
/// </summary>
public sealed class AuthBruteForceTests : IAsyncLifetime
{
    private const string Password = "correct horse";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Security:MaxFailedLogins"] = "5",
            ["Webmail:Security:LoginDelayStep"] = "00:00:00.010",
            ["Webmail:Security:MaxLoginDelay"] = "00:00:00.050",
            ["Webmail:Limits:MaxSessionsPerIp"] = "200",
        });
        await _server.CreateAccountAsync("victim@local.example", Password);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GuessingManyAccountsFromOneAddressBansThatAddressButNotTheUserElsewhere()
    {
        var codes = new List<int>();
        for (var i = 0; i < 30; i++)
            codes.Add(await AuthAsync("127.0.0.1", $"guess{i}@local.example", "wrong" + i));

        Assert.Equal(535, codes[0]);
        Assert.Contains(454, codes);
        Assert.True(codes.Skip(5).All(c => c == 454), "after the limit every attempt is throttled: " + string.Join(",", codes));
        // The banned address gets 454 even with the right password (no oracle for the attacker)...
        Assert.Equal(454, await AuthAsync("127.0.0.1", "victim@local.example", Password));
        // ...while the real user on another address signs in.
        Assert.Equal(235, await AuthAsync("127.0.0.2", "victim@local.example", Password));
    }

    [Fact]
    public async Task GuessingOneAccountFromManyAddressesLocksThatAccountTemporarily()
    {
        var codes = new List<int>();
        for (var i = 0; i < 12; i++)
            codes.Add(await AuthAsync($"127.0.1.{i + 1}", "victim@local.example", "wrong" + i));

        Assert.Equal(535, codes[0]);
        Assert.Equal(454, codes[^1]);
        // Documented trade-off: the per-account key stops distributed guessing, and so also locks the
        // real user out until Webmail:Security:LoginBanDuration passes (see docs/resilience.md).
        Assert.Equal(454, await AuthAsync("127.0.2.1", "victim@local.example", Password));
    }

    /// <summary>One AUTH PLAIN (RFC 4616) from <paramref name="localAddress"/>; returns the reply code.</summary>
    private async Task<int> AuthAsync(string localAddress, string user, string password)
    {
        var (client, greeting) = await RawSmtp.ConnectAsync(_server.SubmissionPort, localAddress);
        using var _ = client;
        Assert.Equal(220, RawSmtp.Code(greeting));
        await client.CommandAsync("EHLO guesser.example");
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        return RawSmtp.Code(await client.CommandAsync("AUTH PLAIN " + token));
    }
}
