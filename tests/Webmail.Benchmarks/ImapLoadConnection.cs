using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Webmail.Benchmarks;

/// <summary>
/// A raw IMAP connection (RFC 9051) for clients that keep the mailbox's state, unlike
/// <see cref="ImapProbe"/>, which counts answers without reading them. A read loop turns the stream
/// into responses (a line, with each literal's octets replaced by its <c>{n}</c> marker) on a
/// channel, so untagged data that comes in IDLE is read the same way as a command's answer.
/// One command at a time.
/// </summary>
internal sealed class ImapLoadConnection : IAsyncDisposable
{
    private const int MaxResponse = 16 * 1024 * 1024;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Channel<string> _responses = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _reading;
    private int _tag;
    private string? _idleTag;

    private ImapLoadConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reading = Task.Run(ReadLoopAsync);
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and reads the greeting.</summary>
    public static async Task<ImapLoadConnection> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new ImapLoadConnection(socket);
        try
        {
            var greeting = await connection.NextAsync(cancellationToken);
            if (!greeting.StartsWith("* OK", StringComparison.Ordinal))
                throw new ReplyException(greeting);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a command and reads to its tagged status; NO and BAD are returned, not thrown.</summary>
    public async Task<ImapReply> CommandAsync(string command, CancellationToken cancellationToken)
    {
        var tag = NextTag();
        await _stream.WriteAsync(Encoding.UTF8.GetBytes($"{tag} {command}\r\n"), cancellationToken);
        return await ReadToTagAsync(tag, cancellationToken);
    }

    /// <summary>APPEND with a non-synchronizing literal (RFC 7888 LITERAL+): command and message in one write.</summary>
    public async Task<ImapReply> AppendAsync(string mailbox, string flags, byte[] message, CancellationToken cancellationToken)
    {
        var tag = NextTag();
        var head = Encoding.UTF8.GetBytes($"{tag} APPEND {mailbox} ({flags}) {{{message.Length}+}}\r\n");
        var bytes = new byte[head.Length + message.Length + 2];
        head.CopyTo(bytes, 0);
        message.CopyTo(bytes, head.Length);
        "\r\n"u8.CopyTo(bytes.AsSpan(head.Length + message.Length));
        await _stream.WriteAsync(bytes, cancellationToken);
        return await ReadToTagAsync(tag, cancellationToken);
    }

    /// <summary>Sends IDLE (RFC 2177) and waits for the continuation; returns the untagged responses that came before it.</summary>
    public async Task<List<string>> StartIdleAsync(CancellationToken cancellationToken)
    {
        _idleTag = NextTag();
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{_idleTag} IDLE\r\n"), cancellationToken);
        var untagged = new List<string>();
        while (true)
        {
            var response = await NextAsync(cancellationToken);
            if (response.StartsWith('+'))
                return untagged;
            if (response.StartsWith(_idleTag + " ", StringComparison.Ordinal))
                throw new ReplyException(response);
            untagged.Add(response);
        }
    }

    /// <summary>Ends IDLE with DONE and reads to the IDLE command's tagged status.</summary>
    public async Task<ImapReply> DoneAsync(CancellationToken cancellationToken)
    {
        var tag = _idleTag ?? throw new InvalidOperationException("Not idling.");
        _idleTag = null;
        await _stream.WriteAsync("DONE\r\n"u8.ToArray(), cancellationToken);
        return await ReadToTagAsync(tag, cancellationToken);
    }

    /// <summary>The next response from the server (untagged while idling); throws <see cref="IOException"/> once the connection is gone.</summary>
    public async ValueTask<string> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _responses.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new IOException("The server closed the connection.", e.InnerException);
        }
    }

    private string NextTag() => "a" + ++_tag;

    private async Task<ImapReply> ReadToTagAsync(string tag, CancellationToken cancellationToken)
    {
        var untagged = new List<string>();
        while (true)
        {
            var response = await NextAsync(cancellationToken);
            if (response.StartsWith(tag, StringComparison.Ordinal) && response.Length > tag.Length && response[tag.Length] == ' ')
                return new ImapReply(response[(tag.Length + 1)..], untagged);
            untagged.Add(response);
        }
    }

    /// <summary>Splits the stream into responses until it ends; the channel then completes with the reason.</summary>
    private async Task ReadLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        int start = 0, end = 0;
        var response = new StringBuilder();
        try
        {
            while (true)
            {
                var lf = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (lf < 0)
                {
                    (buffer, start, end) = await FillAsync(buffer, start, end);
                    continue;
                }
                var line = Encoding.UTF8.GetString(buffer, start, lf - start).TrimEnd('\r');
                start = lf + 1;
                response.Append(line);
                if (LiteralLength(line) is { } literal)
                {
                    // The literal's octets are dropped; the response goes on after them.
                    while (literal > 0)
                    {
                        if (start == end)
                            (buffer, start, end) = await FillAsync(buffer, start, end);
                        var take = Math.Min(literal, end - start);
                        start += take;
                        literal -= take;
                    }
                    if (response.Length > MaxResponse)
                        throw new IOException("IMAP response too long for the load client.");
                    continue;
                }
                _responses.Writer.TryWrite(response.ToString());
                response.Clear();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _responses.Writer.TryComplete(e);
        }
    }

    private async Task<(byte[] Buffer, int Start, int End)> FillAsync(byte[] buffer, int start, int end)
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.Length)
        {
            if (buffer.Length >= MaxResponse)
                throw new IOException("IMAP line too long for the load client.");
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        var n = await _stream.ReadAsync(buffer.AsMemory(end));
        if (n == 0)
            throw new IOException("The server closed the connection.");
        return (buffer, start, end + n);
    }

    /// <summary>n when the line ends with a literal's <c>{n}</c>.</summary>
    private static int? LiteralLength(string line)
    {
        if (line.Length < 3 || line[^1] != '}')
            return null;
        var open = line.LastIndexOf('{');
        return open >= 0 && int.TryParse(line.AsSpan(open + 1, line.Length - open - 2), out var n) ? n : null;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _stream.DisposeAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

/// <summary>A command's tagged status (<c>OK …</c>, <c>NO …</c>, <c>BAD …</c>, without the tag) and the untagged responses before it.</summary>
internal sealed record ImapReply(string Status, List<string> Untagged)
{
    public bool IsOk => Status.StartsWith("OK", StringComparison.Ordinal);
}
