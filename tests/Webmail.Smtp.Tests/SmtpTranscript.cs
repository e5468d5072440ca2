using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Smtp.Tests;

/// <summary>A raw SMTP client over a TCP socket: send lines, read replies, assert exact codes.</summary>
public sealed class SmtpTranscript : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private SmtpTranscript(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<SmtpTranscript> ConnectAsync(int port, bool expectGreeting = true)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var transcript = new SmtpTranscript(client);
        if (expectGreeting)
            Assert.StartsWith("220 ", await transcript.ReadReplyAsync());
        return transcript;
    }

    public Task SendRawAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends one command line and returns the whole (possibly multi-line) reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendRawAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Sends a command and asserts the reply's code and, when given, its enhanced status code.</summary>
    public async Task<string> ExpectAsync(string line, int code, string? enhanced = null)
    {
        var reply = await CommandAsync(line);
        AssertReply(reply, code, enhanced);
        return reply;
    }

    public static void AssertReply(string reply, int code, string? enhanced = null)
    {
        var last = reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.True(last.StartsWith(code + " ", StringComparison.Ordinal), $"expected {code} {enhanced} but got: {reply}");
        if (enhanced is not null)
            Assert.True(last.StartsWith($"{code} {enhanced}", StringComparison.Ordinal), $"expected {code} {enhanced} but got: {reply}");
    }

    /// <summary>Reads one reply: lines until one whose fourth character is a space (RFC 5321 §4.2.1). Empty string at end of stream.</summary>
    public async Task<string> ReadReplyAsync(int timeoutMs = 15000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var sb = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(cts.Token);
            if (line is null)
                return sb.ToString();
            sb.Append(line).Append("\r\n");
            if (line.Length < 4 || line[3] == ' ')
                return sb.ToString();
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        while (true)
        {
            var end = _pending.IndexOf((byte)'\n');
            if (end >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.Take(end).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, end + 1);
                return line;
            }
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer, cancellationToken);
            }
            catch (IOException)
            {
                n = 0;
            }
            if (n == 0)
                return _pending.Count > 0 ? Encoding.UTF8.GetString(_pending.ToArray()) : null;
            _pending.Add(buffer[0]);
        }
    }

    /// <summary>Sends DATA, the message and the final dot; returns the reply to the dot.</summary>
    public async Task<string> DataAsync(byte[] message)
    {
        AssertReply(await CommandAsync("DATA"), 354);
        await SendRawAsync(message);
        // Like smtplib: the message's own final CRLF ends its last line (RFC 5321 §4.1.1.4); only a
        // message without one gets a CRLF before the terminating dot.
        await SendRawAsync(message.AsSpan().EndsWith("\r\n"u8) ? ".\r\n" : "\r\n.\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Negotiates TLS on the socket as it is (after a 220 to STARTTLS).</summary>
    public async Task StartTlsAsync()
    {
        _pending.Clear();
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
