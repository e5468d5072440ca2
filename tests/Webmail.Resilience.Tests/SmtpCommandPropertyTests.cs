using CsCheck;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// Random and mutated command lines over a real socket on the inbound port: the session never
/// breaks the server, only the one real local user is ever accepted as a recipient, and CR/LF/NUL
/// in an address never sneak a recipient in.
/// </summary>
public sealed class SmtpCommandPropertyTests : IAsyncLifetime
{
    private static readonly string[] Verbs = ["HELO", "EHLO", "MAIL FROM:", "RCPT TO:", "RSET", "NOOP", "VRFY", "EXPN", "HELP", "XYZZY", "mail from:", "rcpt to:", "MAIL", "RCPT", ""];
    private static readonly Gen<string> Noise = Gen.String[Gen.OneOf(new IGen<char>[] { Gen.Char["<>@:%!\"[]\\ \t\0\u007f.,;=-"], Gen.Char['a', 'z'], Gen.Char['\u0080', '\u00ff'] }), 0, 120];
    private static readonly Gen<string> LocalPart = Gen.OneOf(new IGen<string>[] { Gen.OneOf("user", "USER", "user%other.example", "other.example!user", "\"user@other.example\"", "postmaster", "nobody"), Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz%!.\"@"], 1, 12] });
    private static readonly Gen<string> Domain = Gen.OneOf("local.example", "LOCAL.EXAMPLE", "other.example", "[127.0.0.1]", "local.example.", "local.example@other.example", "");
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxSessionsPerIp"] = "100" });
        await _server.CreateAccountAsync("user@local.example");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void RandomCommandLinesNeverBreakTheSession()
    {
        var line = Gen.Select(Gen.OneOf(Verbs), Noise, (verb, noise) => verb + noise);
        line.Array[1, 12].Sample(lines => RunSessionAsync(lines).GetAwaiter().GetResult(), iter: 25, threads: 1);
    }

    [Fact]
    public void OnlyTheRealLocalUserIsEverAcceptedAsRecipient()
    {
        Gen.Select(LocalPart, Domain, Gen.OneOf("", " NOTIFY=NEVER", " ORCPT=rfc822;x@other.example", "  ")).Array[1, 8].Sample(recipients =>
            CheckRecipientsAsync(recipients).GetAwaiter().GetResult(), iter: 25, threads: 1);
    }

    // RFC 5321 §2.3.8: CR and LF may only appear together as the line end. A bare CR, LF or NUL inside the
    // address makes the line unparsable (SmtpServer answers 502); a spliced CRLF makes two lines, each refused.
    // Every CRLF-terminated line gets exactly one reply. (The earlier "stall" with seed aH4TOpmbWSh3 was this
    // test waiting for a 503/554 to DATA while the library answers 501 "expected NOOP/RSET/QUIT/RCPT".)
    [Fact]
    public void LineBreaksAndNulInsideAnAddressNeverAddARecipient()
    {
        Gen.Select(Gen.OneOf("\r", "\n", "\0", "\r\n", "\n.\n", "\r\nRCPT TO:<x@other.example>"), Gen.Int[0, 200]).Sample((bad, at) =>
            InjectAsync(bad, at).GetAwaiter().GetResult(), iter: 20, threads: 1);
    }

    private async Task RunSessionAsync(string[] lines)
    {
        var (client, greeting) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using (client)
        {
            Assert.Equal(220, RawSmtp.Code(greeting));
            foreach (var text in lines)
            {
                // Line ends are the framing, tested separately; here the line itself is hostile.
                var reply = await client.CommandAsync(text.Replace('\r', ' ').Replace('\n', ' '));
                var code = RawSmtp.Code(reply);
                if (code == 0)
                    break;
                Assert.InRange(code, 200, 599);
                if (text.StartsWith("RCPT", StringComparison.OrdinalIgnoreCase))
                    Assert.NotEqual(250, code);
            }
        }
        await AssertServerAnswersAsync();
    }

    private async Task CheckRecipientsAsync((string Local, string Domain, string Parameters)[] recipients)
    {
        var (client, _) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using var __ = client;
        await client.CommandAsync("EHLO fuzz.example");
        Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("MAIL FROM:<fuzz@remote.example>")));
        foreach (var (local, domain, parameters) in recipients)
        {
            var address = domain.Length == 0 ? local : local + "@" + domain;
            var code = RawSmtp.Code(await client.CommandAsync($"RCPT TO:<{address}>{parameters}"));
            var isRealUser = local.Equals("user", StringComparison.OrdinalIgnoreCase) && domain.Equals("local.example", StringComparison.OrdinalIgnoreCase);
            if (code == 250)
                Assert.True(isRealUser, $"accepted RCPT TO:<{address}>{parameters}");
            else
                Assert.InRange(code, 400, 599);
        }
    }

    private async Task InjectAsync(string bad, int at)
    {
        const string address = "user@local.example";
        var hostile = address.Insert(at % (address.Length + 1), bad);
        var payload = $"RCPT TO:<{hostile}>\r\nDATA\r\n";
        var shown = hostile.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0");
        var (client, _) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using (client)
        {
            await client.CommandAsync("EHLO fuzz.example");
            await client.CommandAsync("MAIL FROM:<fuzz@remote.example>");
            await client.SendRawAsync(payload);

            // One reply per CRLF-terminated line, each a permanent refusal: no recipient got in, so DATA is refused too.
            var lines = payload.Split("\r\n").Length - 1;
            for (var i = 0; i < lines; i++)
            {
                var reply = await client.ReadReplyAsync();
                Assert.True(RawSmtp.Code(reply) is >= 500 and < 600, $"line {i + 1} of {lines} after RCPT TO:<{shown}> got \"{reply.TrimEnd()}\"");
            }
            // And the session still answers in step.
            Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("RSET")));
        }
        await AssertServerAnswersAsync();
    }

    /// <summary>A fresh client still gets a greeting and NOOP answers 250.</summary>
    private async Task AssertServerAnswersAsync()
    {
        var (client, greeting) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using var _ = client;
        Assert.Equal(220, RawSmtp.Code(greeting));
        Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("NOOP")));
    }
}
