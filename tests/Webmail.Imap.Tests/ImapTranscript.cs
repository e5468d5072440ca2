using System.Net.Sockets;
using System.Text;

namespace Webmail.Imap.Tests;

/// <summary>A raw IMAP client over a TCP socket: send lines, read responses up to the tagged one, assert exact text.</summary>
public sealed class ImapTranscript : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];
    private int _tag;

    private ImapTranscript(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public string Greeting { get; private set; } = "";

    public static async Task<ImapTranscript> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var transcript = new ImapTranscript(client);
        transcript.Greeting = await transcript.ReadLineAsync();
        return transcript;
    }

    public static async Task<ImapTranscript> LoginAsync(int port, string address, string password = ImapServerFixture.Password)
    {
        var transcript = await ConnectAsync(port);
        var reply = await transcript.CommandAsync($"LOGIN {address} \"{password}\"");
        Assert.StartsWith("OK", reply.Status);
        return transcript;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command with the next tag and reads until its tagged response.</summary>
    public async Task<ImapReply> CommandAsync(string command)
    {
        var tag = NextTag();
        await SendAsync($"{tag} {command}\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public string NextTag() => "a" + (++_tag).ToString("000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The tag the next command will carry.</summary>
    public string NextTagPeek() => "a" + (_tag + 1).ToString("000", System.Globalization.CultureInfo.InvariantCulture);

    public string LastTag => "a" + _tag.ToString("000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads lines (literals included in the line they end) until one starts with the tag.</summary>
    public async Task<ImapReply> ReadUntilTaggedAsync(string tag)
    {
        var untagged = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                return new ImapReply(untagged, line[(tag.Length + 1)..]);
            untagged.Add(line);
        }
    }

    /// <summary>One response line; a literal it ends with (<c>{n}</c>) is read and appended with its CRLF.</summary>
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

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The untagged lines of one command and its tagged status text (<c>OK ...</c>, <c>NO ...</c>, <c>BAD ...</c>).</summary>
public sealed record ImapReply(IReadOnlyList<string> Untagged, string Status);
