using System.Net.Sockets;
using System.Text;
using MailKit.Net.Pop3;
using Webmail.Core.Messages;
using Webmail.Reading;
using Webmail.Resilience.Tests.Corpus;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// A small fixed-seed fuzz run (bounded iterations, so it is repeatable and short): random and mutated
/// bytes into the SMTP and POP3 sockets and into the MIME parser and HTML sanitizer. Nothing may throw
/// out of the parser, hang, or stop the server answering. The seed is in each failure message.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    private const int Seed = 20261128;
    private static readonly string[] SmtpLines = ["EHLO fuzz.example", "MAIL FROM:<f@remote.example>", "RCPT TO:<user@local.example>", "DATA", "Subject: x", "", ".", "RSET", "NOOP", "AUTH PLAIN", "AUTH LOGIN", "STARTTLS", "BDAT 10 LAST", "QUIT"];
    private static readonly string[] Pop3Lines = ["USER user@local.example", "PASS correct horse", "STAT", "LIST", "UIDL", "RETR 1", "TOP 1 0", "DELE 1", "RSET", "CAPA", "AUTH PLAIN", "STLS", "APOP a b", "QUIT"];
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxSessionsPerIp"] = "100" });
        await _server.CreateAccountAsync("user@local.example");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task MutatedBytesIntoSmtpNeverStopTheServer()
    {
        var random = new Random(Seed);
        for (var i = 0; i < 40; i++)
            await FuzzSessionAsync(_server.SmtpPort, Mutate(random, SmtpLines)).WaitAsync(TimeSpan.FromSeconds(30));

        var (client, greeting) = await RawSmtp.ConnectAsync(_server.SmtpPort);
        using (client)
        {
            Assert.Equal(220, RawSmtp.Code(greeting));
            Assert.Equal(250, RawSmtp.Code(await client.CommandAsync("NOOP")));
        }
    }

    [Fact]
    public async Task MutatedBytesIntoPop3NeverStopTheServer()
    {
        var random = new Random(Seed + 1);
        for (var i = 0; i < 40; i++)
            await FuzzSessionAsync(_server.Pop3Port, Mutate(random, Pop3Lines)).WaitAsync(TimeSpan.FromSeconds(30));

        using var pop3 = new Pop3Client { Timeout = 10_000 };
        await pop3.ConnectAsync("127.0.0.1", _server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
        await pop3.AuthenticateAsync("user@local.example", "correct horse");
        Assert.True(pop3.Count >= 0);
        await pop3.DisconnectAsync(true);
    }

    [Fact]
    public async Task MutatedMessagesNeverThrowOutOfTheParserOrTheSanitizer()
    {
        var random = new Random(Seed + 2);
        var seeds = NastyMessages.All.Where(m => m.Key != "header-10mb").Select(m => m.Value()).Append(NastyMessages.HugeHeader(300_000)).ToArray();
        await Task.Run(() =>
        {
            for (var i = 0; i < 300; i++)
            {
                var input = MutateMessage(random, seeds[random.Next(seeds.Length)]);
                var parsed = MessageParser.Parse(input);
                Assert.True(parsed.BodyText.Length <= MessageParser.MaxIndexedText, $"seed {Seed + 2}, iteration {i}");
                var message = MessageReader.Load(input);
                if (message is not null)
                {
                    MessageReader.Read(1, message);
                    // Whatever the input, the iframe document carries no script.
                    var document = MessageReader.RenderHtmlDocument(1, message, allowRemote: false);
                    Assert.DoesNotContain("<script", document, StringComparison.OrdinalIgnoreCase);
                }
            }
        }).WaitAsync(TimeSpan.FromMinutes(3));
    }

    /// <summary>Sends the bytes in a few writes, reads whatever comes back until the server closes or goes quiet.</summary>
    private static async Task FuzzSessionAsync(int port, byte[] payload)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        var buffer = new byte[8192];
        try
        {
            for (var offset = 0; offset < payload.Length; offset += 512)
                await stream.WriteAsync(payload.AsMemory(offset, Math.Min(512, payload.Length - offset)));
            while (true)
            {
                using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                if (await stream.ReadAsync(buffer, quiet.Token) == 0)
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The server closed on us or went quiet waiting for more: both are fine answers to garbage.
        }
    }

    /// <summary>Protocol lines with random bytes flipped, inserted, duplicated or replaced by noise (CR, LF, NUL, high bytes).</summary>
    private static byte[] Mutate(Random random, string[] lines)
    {
        var bytes = new List<byte>();
        for (var n = random.Next(1, 12); n > 0; n--)
            bytes.AddRange(Encoding.ASCII.GetBytes(lines[random.Next(lines.Length)] + "\r\n"));
        return Flip(random, [.. bytes], random.Next(0, 12));
    }

    private static byte[] MutateMessage(Random random, byte[] message)
    {
        var bytes = message.Length > 200_000 ? message[..200_000] : message;
        string[] snippets = ["\r\n--p\r\n", "\r\n ", "<div>", "</div>", "=?utf-8?B?", "\r\n\r\n", "Content-Type: multipart/mixed; boundary=p\r\n", "<script>", "\0"];
        var list = new List<byte>(Flip(random, bytes, random.Next(0, 20)));
        for (var n = random.Next(0, 6); n > 0; n--)
            list.InsertRange(random.Next(list.Count + 1), Encoding.ASCII.GetBytes(snippets[random.Next(snippets.Length)]));
        return [.. list.Take(random.Next(4) == 0 ? random.Next(list.Count + 1) : list.Count)];
    }

    private static byte[] Flip(Random random, byte[] bytes, int flips)
    {
        var result = (byte[])bytes.Clone();
        byte[] noise = [(byte)'\r', (byte)'\n', 0, 0xFF, 0x80, (byte)'.', (byte)' ', (byte)':', (byte)'<', (byte)'>'];
        for (var i = 0; i < flips && result.Length > 0; i++)
            result[random.Next(result.Length)] = random.Next(2) == 0 ? noise[random.Next(noise.Length)] : (byte)random.Next(256);
        return result;
    }
}
