using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Webmail.ManageSieve.Tests;

/// <summary>One ManageSieve response: the lines before it (capabilities, script names, a script) and the OK / NO / BYE line.</summary>
public sealed record SieveReply(IReadOnlyList<string> Lines, string Status);

/// <summary>
/// A raw ManageSieve client over a TCP socket: send bytes, read responses up to the OK / NO / BYE
/// line, assert exact text. A literal (<c>{n}</c>) is read into the line it ends as CRLF and its text.
/// </summary>
public sealed class SieveTranscript : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private SieveTranscript(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The capability lines and the OK the server greeted with.</summary>
    public SieveReply Greeting { get; private set; } = new([], "");

    public static async Task<SieveTranscript> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var transcript = new SieveTranscript(client);
        transcript.Greeting = await transcript.ReadReplyAsync();
        return transcript;
    }

    /// <summary>Connects and logs in with AUTHENTICATE "PLAIN" and an initial response.</summary>
    public static async Task<SieveTranscript> LoginAsync(int port, string address, string password = ManageSieveTestHost.Password)
    {
        var transcript = await ConnectAsync(port);
        var reply = await transcript.CommandAsync($"AUTHENTICATE \"PLAIN\" \"{Plain(address, password)}\"");
        Assert.Equal("OK \"Logged in\"", reply.Status);
        return transcript;
    }

    /// <summary>The SASL PLAIN response (RFC 4616), base64.</summary>
    public static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command line (CRLF added) and reads its response.</summary>
    public async Task<SieveReply> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads lines until one starts with OK, NO or BYE.</summary>
    public async Task<SieveReply> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line == "OK" || line == "NO" || line == "BYE" || line.StartsWith("OK ", StringComparison.Ordinal) || line.StartsWith("NO ", StringComparison.Ordinal) || line.StartsWith("BYE ", StringComparison.Ordinal))
                return new SieveReply(lines, line);
            lines.Add(line);
        }
    }

    /// <summary>One line; a literal it ends with (<c>{n}</c>) is read and appended after CRLF, with the rest of its line.</summary>
    public async Task<string> ReadLineAsync()
    {
        var line = await ReadRawLineAsync();
        while (line.EndsWith('}') && line.LastIndexOf('{') is var open and >= 0 && int.TryParse(line.AsSpan(open + 1, line.Length - open - 2), out var length))
        {
            var bytes = await ReadBytesAsync(length);
            line += "\r\n" + Encoding.UTF8.GetString(bytes) + await ReadRawLineAsync();
        }
        return line;
    }

    /// <summary>Starts TLS on the connection (after the server's OK to STARTTLS), trusting any certificate: the test's own, on loopback.</summary>
    public async Task StartTlsAsync()
    {
        Assert.Empty(_pending);
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        _stream = tls;
    }

    /// <summary>True when the server closed the connection (reads end) within the timeout.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            var buffer = new byte[1024];
            while (true)
            {
                if (await _stream.ReadAsync(buffer, cancel.Token) == 0)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string> ReadRawLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var newline = _pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, newline).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, newline + 1);
                return line;
            }
            await FillAsync(timeout.Token);
        }
    }

    private async Task<byte[]> ReadBytesAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (_pending.Count < count)
            await FillAsync(timeout.Token);
        var bytes = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        return bytes;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var read = await _stream.ReadAsync(buffer, cancellationToken);
        if (read == 0)
            throw new EndOfStreamException("The server closed the connection. Read so far: " + Encoding.UTF8.GetString(_pending.ToArray()));
        _pending.AddRange(buffer.AsSpan(0, read).ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
