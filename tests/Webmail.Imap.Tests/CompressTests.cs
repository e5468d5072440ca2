using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Webmail.Imap.Tests;

/// <summary>COMPRESS=DEFLATE (RFC 4978): raw DEFLATE both ways after the tagged OK, with TLS or without.</summary>
public sealed class CompressTests(ImapServerFixture fixture) : IClassFixture<ImapServerFixture>
{
    [Fact]
    public async Task AfterTheOkBothDirectionsAreDeflatedAndASecondCompressIsRefused()
    {
        var account = await fixture.NewAccountAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", fixture.Server.ImapPort);
        var stream = tcp.GetStream();
        var plain = new StreamReader(stream, Encoding.ASCII, false, 1);
        await plain.ReadLineAsync();
        Assert.Equal("BAD Log in first", Status(await Plain("a0 COMPRESS DEFLATE", "a0")));
        await Plain($"a1 LOGIN {account.Address} \"{ImapServerFixture.Password}\"", "a1");
        Assert.Contains(" COMPRESS=DEFLATE", (await Plain("a2 CAPABILITY", "a2"))[0]);
        Assert.Equal("BAD Unknown compression mechanism", Status(await Plain("a3 COMPRESS LZ4", "a3")));
        Assert.Equal("OK DEFLATE active", Status(await Plain("a4 COMPRESS DEFLATE", "a4")));

        // From here every byte each way is raw DEFLATE (no zlib header), each answer complete after a sync flush.
        var deflate = new DeflateStream(stream, CompressionLevel.Optimal, leaveOpen: true);
        var inflate = new StreamReader(new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true), Encoding.ASCII, false, 1);
        Assert.Equal("OK NOOP completed", Status(await Deflated("b1 NOOP", "b1")));
        Assert.DoesNotContain("COMPRESS=DEFLATE", (await Deflated("b2 CAPABILITY", "b2"))[0]);
        Assert.Equal("NO [COMPRESSIONACTIVE] DEFLATE is already active", Status(await Deflated("b3 COMPRESS DEFLATE", "b3")));
        var select = await Deflated("b4 SELECT INBOX", "b4");
        Assert.Contains("* 0 EXISTS", select);

        async Task<List<string>> Plain(string command, string tag)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
            return await ReadUntil(plain, tag);
        }

        async Task<List<string>> Deflated(string command, string tag)
        {
            await deflate.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
            await deflate.FlushAsync();
            return await ReadUntil(inflate, tag);
        }
    }

    private static async Task<List<string>> ReadUntil(StreamReader reader, string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? throw new EndOfStreamException();
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                return lines;
        }
    }

    private static string Status(List<string> lines) => lines[^1][(lines[^1].IndexOf(' ', StringComparison.Ordinal) + 1)..];

    [Fact]
    public async Task MailKitWorksThroughCompressionOverStartTls()
    {
        var account = await fixture.NewAccountAsync();
        for (var i = 0; i < 20; i++)
            await fixture.DeliverAsync(account, $"compressed {i}", string.Concat(Enumerable.Repeat($"Line {i} of a body that compresses well. ", 200)));
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", fixture.Server.ImapPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(account.Address, ImapServerFixture.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
        await client.CompressAsync();

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(20, inbox.Count);
        var message = await inbox.GetMessageAsync(19);
        Assert.Equal("compressed 19", message.Subject);
        Assert.Contains("Line 19 of a body", message.TextBody);
        await inbox.AppendAsync(new MimeMessage(new[] { new MailboxAddress("", account.Address) }, new[] { new MailboxAddress("", account.Address) }, "sent compressed", new TextPart("plain") { Text = "Up through DEFLATE." }));
        Assert.Single(await inbox.SearchAsync(SearchQuery.SubjectContains("sent compressed")));
        await client.DisconnectAsync(true);
    }
}
