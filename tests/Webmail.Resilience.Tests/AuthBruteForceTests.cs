using System.Text;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// Password guessing over SMTP AUTH (submission port) and POP3. The shared limiter keys failures on the
/// client IP (growing delay, then a ban) and on the account (growing pauses, never a ban, not applied to
/// addresses the account signed in from); RFC 4954 §4 leaves throttling to the server. These tests pin
/// down what that means for an attacker and for the real user.
/// </summary>
public sealed class AuthBruteForceTests : IAsyncLifetime
{
    private const string Password = "correct horse";
    private TestServer _server = null!;

    public Task InitializeAsync() => StartAsync(TimeSpan.FromSeconds(1));

    /// <summary>
    /// The server with a pause step of <paramref name="step"/>: account pauses of one step, then two
    /// (the cap); per-IP delays stay at MaxLoginDelay (50 ms). A test that needs a pause to end uses
    /// 1 s; one that acts inside a pause uses a step no loaded machine outlasts.
    /// </summary>
    private async Task StartAsync(TimeSpan step)
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Webmail:Security:MaxFailedLogins"] = "5",
            ["Webmail:Security:LoginDelayStep"] = step.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Webmail:Security:MaxLoginDelay"] = "00:00:00.050",
            ["Webmail:Security:MaxAccountLoginPause"] = (step * 2).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
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
    public async Task GuessingOneAccountFromManyAddressesIsRateLimitedWithoutLockingOutTheUser()
    {
        // The real user signed in from 127.0.2.1 before: that address is known for the account.
        Assert.Equal(235, await AuthAsync("127.0.2.1", "victim@local.example", Password));

        var codes = new List<int>();
        for (var i = 0; i < 40; i++)
            codes.Add(await AuthAsync($"127.0.1.{i + 1}", "victim@local.example", "wrong" + i));

        // Each address fails once only, so no IP limit applies; the account's pauses do. Attempts during a
        // pause get 454 without a password check, so far fewer than 40 guesses were really tried.
        Assert.Equal(535, codes[0]);
        Assert.Contains(454, codes);
        Assert.True(codes.Count(c => c == 535) < 30, "guesses checked: " + string.Join(",", codes));
        // From the known address the real user signs in at once, over SMTP and over POP3 (USER/PASS)...
        Assert.Equal(235, await AuthAsync("127.0.2.1", "victim@local.example", Password));
        Assert.True(await Pop3SignInAsync("127.0.2.1", "victim@local.example", Password));
        // ...and a new address is only paused (at most MaxAccountLoginPause, 2 s here), never locked out.
        var fromNewAddress = await RetryAsync(() => AuthAsync("127.0.3.1", "victim@local.example", Password), TimeSpan.FromSeconds(10));
        Assert.Equal(235, fromNewAddress);
    }

    [Fact]
    public async Task PausedAccountRefusesEvenTheRightPasswordFromAnUnknownAddress()
    {
        // No oracle: during a pause the answer does not depend on the password. The pause is a minute:
        // with a 1 s pause a loaded machine could take longer than the pause to open the next session.
        await StartAsync(TimeSpan.FromMinutes(1));
        var codes = new List<int>();
        for (var i = 0; i < 5; i++)
            codes.Add(await AuthAsync($"127.0.4.{i + 1}", "victim@local.example", "wrong" + i));

        // The fifth failure started the pause; both attempts come within it.
        var paused = await AuthAsync("127.0.5.1", "victim@local.example", Password);
        var pop3 = await Pop3SignInAsync("127.0.5.2", "victim@local.example", Password);

        Assert.All(codes, c => Assert.Equal(535, c));
        Assert.Equal(454, paused);
        Assert.False(pop3);
    }

    private static async Task<int> RetryAsync(Func<Task<int>> attempt, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var code = await attempt();
        while (code == 454 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            code = await attempt();
        }
        return code;
    }

    /// <summary>POP3 USER/PASS (RFC 1939 §7) with MailKit from <paramref name="localAddress"/>; true when signed in.</summary>
    private async Task<bool> Pop3SignInAsync(string localAddress, string user, string password)
    {
        using var pop3 = new MailKit.Net.Pop3.Pop3Client { LocalEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(localAddress), 0), Timeout = 10_000 };
        await pop3.ConnectAsync("127.0.0.1", _server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
        pop3.AuthenticationMechanisms.Clear();
        try
        {
            await pop3.AuthenticateAsync(user, password);
            await pop3.DisconnectAsync(true);
            return true;
        }
        catch (MailKit.Security.AuthenticationException)
        {
            return false;
        }
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
