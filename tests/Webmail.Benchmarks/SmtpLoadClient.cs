using System.Net.Sockets;
using System.Text;

namespace Webmail.Benchmarks;

/// <summary>
/// A raw-socket SMTP client for load on the inbound port: one transaction is MAIL, RCPT and DATA
/// pipelined (RFC 2920) in one write, the body, then the final 250. Replies are checked by code;
/// anything else throws <see cref="ReplyException"/>. Shared by the smtp and soak suites.
/// </summary>
internal sealed class SmtpLoadClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[8192];
    private int _start, _end;

    private SmtpLoadClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>, reads the 220 greeting and says EHLO.</summary>
    public static async Task<SmtpLoadClient> ConnectAsync(int port, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient { NoDelay = true };
        var ready = false;
        try
        {
            await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
            var client = new SmtpLoadClient(tcp);
            await client.ExpectAsync(220, cancellationToken);
            await client.WriteAsync("EHLO bench.example\r\n", cancellationToken);
            await client.ExpectAsync(250, cancellationToken);
            ready = true;
            return client;
        }
        finally
        {
            if (!ready)
                tcp.Dispose();
        }
    }

    /// <summary>The message followed by the final dot (RFC 5321 §4.1.1.4); the message must end in CRLF.</summary>
    public static byte[] WithFinalDot(byte[] message)
    {
        var tail = new byte[message.Length + 3];
        message.CopyTo(tail, 0);
        ".\r\n"u8.CopyTo(tail.AsSpan(message.Length));
        return tail;
    }

    /// <summary>One transaction; <paramref name="messageWithDot"/> comes from <see cref="WithFinalDot"/>. Returns after the 250 that follows DATA.</summary>
    public async Task SendAsync(string from, string to, byte[] messageWithDot, CancellationToken cancellationToken = default)
    {
        await WriteAsync($"MAIL FROM:<{from}>\r\nRCPT TO:<{to}>\r\nDATA\r\n", cancellationToken);
        await ExpectAsync(250, cancellationToken);
        await ExpectAsync(250, cancellationToken);
        await ExpectAsync(354, cancellationToken);
        await _stream.WriteAsync(messageWithDot, cancellationToken);
        await ExpectAsync(250, cancellationToken);
    }

    public async Task QuitAsync(CancellationToken cancellationToken = default)
    {
        await WriteAsync("QUIT\r\n", cancellationToken);
        await ExpectAsync(221, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private ValueTask WriteAsync(string text, CancellationToken cancellationToken) => _stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

    private async Task ExpectAsync(int code, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line.Length >= 4 && line[3] == '-')
                continue;
            if (!line.StartsWith(code.ToString(), StringComparison.Ordinal))
                throw new ReplyException(line);
            return;
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
                throw new IOException("connection closed");
            _end += n;
        }
    }
}
