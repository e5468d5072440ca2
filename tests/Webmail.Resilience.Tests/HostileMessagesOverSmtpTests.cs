using System.Text;
using MailKit.Net.Pop3;
using Webmail.Resilience.Tests.Corpus;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// The nasty corpus through the real doors: SMTP DATA in, POP3 RETR out. What is accepted comes back
/// byte for byte (after the trace headers the server prepends); a header section over
/// <c>Webmail:Limits:MaxHeaderSize</c> gets a clear permanent refusal and the session goes on.
/// </summary>
public sealed class HostileMessagesOverSmtpTests : IAsyncLifetime
{
    private const string Password = "correct horse";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await _server.CreateAccountAsync("user@local.example", Password);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task NastyMessagesAreAcceptedAndRetrievedByteIdenticalOverPop3()
    {
        string[] names = ["html-bomb", "parts-20000", "deep-nesting-1000", "nul-bytes", "charset-garbage"];
        var sent = new List<byte[]>();
        foreach (var name in names)
        {
            var raw = NastyMessages.All[name]();
            var reply = await SendAsync(raw).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(RawSmtp.Code(reply) == 250, $"{name}: {reply}");
            sent.Add(raw);
        }

        using var pop3 = new Pop3Client { Timeout = 60_000 };
        await pop3.ConnectAsync("127.0.0.1", _server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
        await pop3.AuthenticateAsync("user@local.example", Password);
        Assert.Equal(names.Length, pop3.Count);
        for (var i = 0; i < names.Length; i++)
        {
            using var stream = await pop3.GetStreamAsync(i);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            // Stored as received after the server's own Received header (RFC 5321 §4.4).
            Assert.True(copy.ToArray().AsSpan().EndsWith(sent[i]), $"{names[i]}: RETR differs from what was sent");
        }
        await pop3.DisconnectAsync(true);
    }

    [Fact]
    public async Task HeaderSectionOverTheLimitIsRefusedWith552AndTheSessionGoesOn()
    {
        var (client, _) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using var __ = client;
        await client.CommandAsync("EHLO probe.example");

        var huge = await TransactionAsync(client, NastyMessages.HugeHeader(10 * 1024 * 1024));
        // Just under the default 256 KB: accepted.
        var large = await TransactionAsync(client, NastyMessages.HugeHeader(250 * 1024));

        Assert.StartsWith("552 5.3.4", huge);
        Assert.StartsWith("250 ", large);
        var account = await _server.Directory.FindAccountAsync("user@local.example", default);
        var found = await _server.Messages.SearchAsync(account!.Id, new Webmail.Core.Storage.SearchQuery { Terms = [NastyMessages.Marker] }, 0, 10, default);
        Assert.Single(found.Items);
    }

    private async Task<string> SendAsync(byte[] raw)
    {
        var (client, greeting) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using var _ = client;
        Assert.Equal(220, RawSmtp.Code(greeting));
        await client.CommandAsync("EHLO probe.example");
        return await TransactionAsync(client, raw);
    }

    /// <summary>MAIL, RCPT, DATA with <paramref name="raw"/> dot-stuffed (RFC 5321 §4.5.2); returns the reply to the final dot.</summary>
    private static async Task<string> TransactionAsync(RawSmtp client, byte[] raw)
    {
        Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("MAIL FROM:<probe@remote.example>")));
        Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("RCPT TO:<user@local.example>")));
        Assert.Equal(354, RawSmtp.Code(await client.CommandAsync("DATA")));
        var text = Encoding.Latin1.GetString(raw);
        var stuffed = (text.StartsWith('.') ? "." : "") + text.Replace("\r\n.", "\r\n..");
        await client.SendRawAsync(stuffed + (stuffed.EndsWith("\r\n") ? "" : "\r\n") + ".\r\n");
        return await client.ReadReplyAsync();
    }
}
