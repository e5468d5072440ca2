using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Benchmarks;

/// <summary>
/// The least a POP3 client can do: send lines, check +OK (anything else throws <see cref="ReplyException"/>),
/// skip multi-line bodies. Shared by the pop3 and soak suites.
/// </summary>
internal sealed class Pop3LoadClient : IAsyncDisposable
{
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    private Pop3LoadClient(Socket socket) => _stream = new NetworkStream(socket, ownsSocket: true);

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and reads the +OK greeting.</summary>
    public static async Task<Pop3LoadClient> ConnectAsync(int port, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var ready = false;
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            var client = new Pop3LoadClient(socket);
            await client.ReadOkAsync(cancellationToken);
            ready = true;
            return client;
        }
        finally
        {
            if (!ready)
                socket.Dispose();
        }
    }

    public async Task SendAsync(string text, CancellationToken cancellationToken = default) =>
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

    public async Task<string> ExpectOkAsync(string command, CancellationToken cancellationToken = default)
    {
        await SendAsync(command + "\r\n", cancellationToken);
        return await ReadOkAsync(cancellationToken);
    }

    public async Task<string> ReadOkAsync(CancellationToken cancellationToken = default)
    {
        var (start, length) = await NextLineAsync(cancellationToken);
        var line = Encoding.ASCII.GetString(_buffer, start, length);
        return line.StartsWith("+OK", StringComparison.Ordinal) ? line : throw new ReplyException(line);
    }

    /// <summary>Reads to the terminating "." line; returns the body octets seen.</summary>
    public async Task<long> SkipMultilineAsync(CancellationToken cancellationToken = default)
    {
        long bytes = 0;
        while (true)
        {
            var (start, length) = await NextLineAsync(cancellationToken);
            if (length == 1 && _buffer[start] == '.')
                return bytes;
            bytes += length + 2;
        }
    }

    /// <summary>The next line's position in the buffer (without CRLF); valid until the next call.</summary>
    private async Task<(int Start, int Length)> NextLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var start = _start;
                _start = lf + 1;
                return (start, lf - 1 - start);
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
                throw new IOException("The server closed the connection.");
            _end += n;
        }
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
