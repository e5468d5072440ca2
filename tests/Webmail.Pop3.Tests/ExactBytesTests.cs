using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>
/// What a sender hands over SMTP is what a POP3 client downloads, byte for byte, and LIST / STAT
/// announce exactly that many octets (RFC 5321 §4.1.1.4: the CRLF before the terminating dot belongs to
/// the message; RFC 1939 §5: sizes are of the message as the client receives it). Whole server,
/// Python's smtplib to send and poplib to fetch, over loopback sockets.
/// </summary>
public abstract class ExactBytesTests(StoreProvider provider) : IAsyncLifetime
{
    private const string Password = "correct horse";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Hostname"] = "mx.local.example" }, provider: provider);
        await _server.CreateAccountAsync("user@local.example", Password);
        await _server.CreateAccountAsync("sender@local.example", Password);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> LastLines => new()
    {
        { "dot", "first line\r\n." },
        { "two dots", "first line\r\n.." },
        { "empty", "first line\r\n" },
        { "8-bit", "first line\r\n\u00e9t\u00e9 \u00e0 la plage" },
    };

    [Theory]
    [MemberData(nameof(LastLines))]
    public async Task InboundMessageIsDownloadedAsSentWithMatchingSizes(string name, string body)
    {
        var sent = Message(name, body);

        var result = await SendThenFetchAsync(_server.SmtpPort, login: null, sent);

        AssertDownloadedAsSent(sent, result);
    }

    [Theory]
    [MemberData(nameof(LastLines))]
    public async Task SubmittedMessageIsDownloadedAsSentWithMatchingSizes(string name, string body)
    {
        var sent = Message(name, body, from: "sender@local.example");

        var result = await SendThenFetchAsync(_server.SubmissionPort, login: "sender@local.example", sent);

        AssertDownloadedAsSent(sent, result);
    }

    [Fact]
    public async Task MessageStoredWithoutFinalLineBreakIsCountedWithTheCrlfPop3Adds()
    {
        // Another door (a draft, a future IMAP APPEND) may store a message whose last line has no line
        // break: POP3 must end that line before the terminating dot, and LIST / STAT must count it.
        var stored = Encoding.ASCII.GetBytes("From: a@remote.example\r\nSubject: unterminated\r\n\r\nno line break here");
        var account = await _server.Directory.FindAccountAsync("user@local.example", default);
        var inbox = await _server.Messages.GetSpecialFolderAsync(account!.Id, Webmail.Core.Model.SpecialFolder.Inbox, default);
        await _server.Messages.AppendAsync(account.Id, inbox.Id, stored, Webmail.Core.Model.MessageFlags.None);

        var result = await SendThenFetchAsync(smtpPort: 0, login: null, []);

        var downloaded = Convert.FromHexString(result.GetProperty("retr").GetString()!);
        Assert.Equal(Convert.ToHexString([.. stored, 13, 10]), Convert.ToHexString(downloaded));
        Assert.Equal($"1 {stored.Length + 2}", result.GetProperty("list").GetString());
        Assert.Equal(stored.Length + 2, result.GetProperty("stat")[1].GetInt64());
    }

    /// <summary>A CRLF message whose body is <paramref name="body"/> followed by the CRLF that ends its last line.</summary>
    private static byte[] Message(string name, string body, string from = "someone@remote.example") => Encoding.UTF8.GetBytes(
        $"From: {from}\r\nTo: user@local.example\r\nSubject: last line {name}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@test.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
        $"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n");

    private static void AssertDownloadedAsSent(byte[] sent, JsonElement result)
    {
        var downloaded = Convert.FromHexString(result.GetProperty("retr").GetString()!);
        // The server adds header fields on top (Received:, the inbound stamps); everything after them
        // is the sender's bytes, unchanged.
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(downloaded[^sent.Length..]));
        var added = Encoding.ASCII.GetString(downloaded[..^sent.Length]);
        Assert.StartsWith("Received: ", added.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Last(l => !l.StartsWith(' ') && !l.StartsWith('\t')));
        Assert.EndsWith("\r\n", added);
        Assert.DoesNotContain("\r\n\r\n", added);
        Assert.Equal($"1 {downloaded.Length}", result.GetProperty("list").GetString());
        Assert.Equal(downloaded.Length, result.GetProperty("stat")[1].GetInt64());
        Assert.Equal($"+OK {downloaded.Length} octets", result.GetProperty("retr_status").GetString());
    }

    /// <summary>Sends <paramref name="message"/> with smtplib (nothing when <paramref name="smtpPort"/> is 0) (AUTH PLAIN when <paramref name="login"/> is set), then fetches user@'s INBOX with poplib.</summary>
    private async Task<JsonElement> SendThenFetchAsync(int smtpPort, string? login, byte[] message)
    {
        const string script = """
            import smtplib, poplib, sys, json
            smtp_port, pop_port, login, password, message = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], bytes.fromhex(sys.argv[5])
            if smtp_port:
                s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=20)
                s.ehlo("client.test")
                sender = "someone@remote.example"
                if login:
                    s.login(login, password)
                    sender = login
                s.sendmail(sender, ["user@local.example"], message)
                s.quit()
            p = poplib.POP3("127.0.0.1", pop_port, timeout=20)
            p.user("user@local.example"); p.pass_(password)
            out = {"stat": list(p.stat()), "list": p.list()[1][0].decode()}
            resp, lines, octets = p.retr(1)
            # poplib has removed the dot-stuffing and the terminating line; every line it returns ended with CRLF.
            out["retr"] = b"".join(l + b"\r\n" for l in lines).hex()
            out["retr_status"] = resp.decode()
            p.quit()
            print(json.dumps(out))
            """;
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", script, smtpPort.ToString(), _server.Pop3Port.ToString(), login ?? "", Password, Convert.ToHexString(message) })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}

public sealed class ExactBytesTestsOnSqlite() : ExactBytesTests(StoreProvider.Sqlite);
public sealed class ExactBytesTestsOnPostgres() : ExactBytesTests(StoreProvider.Postgres);
