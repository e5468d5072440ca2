using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Smtp.Tests;

/// <summary>
/// What a client says reaches the logs and the audit log only bounded and with control characters
/// escaped; over-long paths are refused before any work (RFC 5321 §4.5.3.1.3).
/// </summary>
public sealed class LogBoundTests
{
    private const int Huge = 1_000_000;

    [Fact]
    public void BoundKeepsShortPrintableTextAsItIs()
    {
        Assert.Equal("user@local.example", LogText.Bound("user@local.example"));
        Assert.Equal("", LogText.Bound(null));
        Assert.Equal("zoë@exämple.example", LogText.Bound("zoë@exämple.example"));
    }

    [Fact]
    public void BoundEscapesControlCharactersAndCutsWithAMarker()
    {
        Assert.Equal("a\\x0D\\x0AFake line\\x1B[31m\\\\", LogText.Bound("a\r\nFake line\u001b[31m\\"));
        Assert.Equal("\\u202Eevil", LogText.Bound("\u202eevil"));
        Assert.Equal("aaaaa...[+999995 chars]", LogText.Bound(new string('a', Huge), 5));
        // A surrogate pair is never cut in half.
        Assert.Equal("ab...[+2 chars]", LogText.Bound("ab😀", 3));
    }

    /// <summary>An address of exactly <paramref name="length"/> octets: a 64-octet local part and a remote domain.</summary>
    private static string Address(int length) =>
        new string('a', 64) + "@" + new string('c', 63) + "." + new string('c', 63) + "." + new string('c', length - 64 - 1 - 128 - 8) + ".example";

    [Fact]
    public async Task PathLongerThan254OctetsIsRefusedWith501BeforeAnyWork()
    {
        // RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so the address between <> at most 254;
        // §4.5.3.1.10 names the reply: 501 Path too long.
        await using var server = await TestServer.StartAsync();
        await server.CreateAccountAsync("user@local.example");
        await using var smtp = await SmtpTranscript.ConnectAsync(server.SmtpPort);
        await smtp.ExpectAsync("EHLO client.remote.example", 250);

        await smtp.ExpectAsync($"MAIL FROM:<{Address(255)}>", 501, "5.1.7");
        await smtp.ExpectAsync($"MAIL FROM:<{Address(254)}>", 250);
        await smtp.ExpectAsync($"RCPT TO:<{Address(255)}>", 501, "5.1.3");
        await smtp.ExpectAsync($"RCPT TO:<{Address(254)}>", 550, "5.7.1");
        await smtp.ExpectAsync("RCPT TO:<user@local.example>", 250);
    }

    [Fact]
    public async Task MegabyteArgumentsDoNotReachTheLogsOrTheAuditLogWhole()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Debug" });
        await server.CreateAccountAsync("user@local.example");
        var log = CapturedLog.AttachTo(server.Services);
        var huge = new string('x', Huge);
        var evil = "evil\r\nFAKE LOG LINE\u001b[2J" + new string('y', 3000);

        await using (var smtp = await SmtpTranscript.ConnectAsync(server.SmtpPort))
        {
            await smtp.ExpectAsync("EHLO " + huge + ".example", 500, "5.5.2");
            await smtp.ExpectAsync("EHLO client.remote.example", 250);
            // Lines this long are read away unparsed (500 5.5.2); a path of 255 octets gets 501 (above).
            await smtp.ExpectAsync($"MAIL FROM:<{huge}@remote.example>", 500, "5.5.2");
            await smtp.ExpectAsync("MAIL FROM:<sender@remote.example>", 250);
            await smtp.ExpectAsync($"RCPT TO:<{huge}@local.example>", 500, "5.5.2");
            await smtp.ExpectAsync("RSET", 250);
            // A user name as long as an AUTH line allows, with a CR LF and a terminal escape in it.
            await smtp.ExpectAsync("AUTH LOGIN", 334);
            await smtp.ExpectAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(evil)), 334);
            await smtp.ExpectAsync(Convert.ToBase64String("wrong"u8.ToArray()), 535, "5.7.8");
            await smtp.ExpectAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + huge + "\0wrong")), 500, "5.5.6");
            await smtp.ExpectAsync("QUIT", 221);
        }

        var audit = await server.Services.GetRequiredService<IAuditLog>().QueryAsync(null, 0, 100, default);
        var failed = Assert.Single(audit.Items, e => e.Action == "login.failed");
        Assert.StartsWith("evil\\x0D\\x0AFAKE LOG LINE\\x1B[2Jyyy", failed.Actor);
        Assert.True(failed.Actor.Length < 400, $"audit actor of {failed.Actor.Length} chars");
        Assert.All(audit.Items, e => Assert.True(e.Actor.Length + e.Target.Length + e.Detail.Length < 1000, e.Action));
        for (var i = 0; i < 50 && !log.Lines.Any(l => l.Contains("SMTP session", StringComparison.Ordinal)); i++)
            await Task.Delay(20);
        Assert.Contains(log.Lines, l => l.Contains("Failed login for evil\\x0D", StringComparison.Ordinal));
        Assert.All(log.Lines, l => Assert.True(l.Length < 2000, l[..Math.Min(l.Length, 200)]));
        Assert.All(log.Lines, l => Assert.DoesNotContain("\u001b", l, StringComparison.Ordinal));
    }
}
