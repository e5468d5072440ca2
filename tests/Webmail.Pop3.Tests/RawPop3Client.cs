using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Pop3.Tests;

/// <summary>A byte-exact POP3 client for transcript tests: send lines, read reply lines and raw multi-line bodies.</summary>
public sealed class RawPop3Client : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawPop3Client(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string Greeting { get; private set; } = "";

    public static async Task<RawPop3Client> ConnectAsync(int port, bool implicitTls = false)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawPop3Client(tcp);
        if (implicitTls)
            await client.StartTlsAsync();
        client.Greeting = await client.ReadLineAsync();
        return client;
    }

    /// <summary>Handshakes TLS over the open connection (any certificate: tests use the self-signed one).</summary>
    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
        _start = _end = 0;
    }

    public async Task SendAsync(string text)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await _stream.FlushAsync();
    }

    /// <summary>Sends one command line and returns the first reply line.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync();
    }

    /// <summary>Sends a command whose reply is multi-line; returns the status line and the body lines (undotted, terminator dropped).</summary>
    public async Task<(string Status, List<string> Lines)> MultilineAsync(string line)
    {
        var status = await CommandAsync(line);
        var lines = new List<string>();
        if (!status.StartsWith("+OK", StringComparison.Ordinal))
            return (status, lines);
        while (true)
        {
            var next = await ReadLineAsync();
            if (next == ".")
                return (status, lines);
            lines.Add(next.StartsWith("..", StringComparison.Ordinal) ? next[1..] : next);
        }
    }

    /// <summary>A reply line without CRLF; throws when the server closed first.</summary>
    public async Task<string> ReadLineAsync()
    {
        var bytes = await ReadRawLineAsync() ?? throw new IOException("The server closed the connection.");
        return Encoding.UTF8.GetString(bytes, 0, bytes.Length - 2);
    }

    /// <summary>The raw bytes of a multi-line body, still dot-stuffed, through the final ".\r\n" (included).</summary>
    public async Task<byte[]> ReadRawMultilineAsync()
    {
        var output = new MemoryStream();
        while (true)
        {
            var line = await ReadRawLineAsync() ?? throw new IOException("The server closed the connection.");
            output.Write(line);
            if (line.Length == 3 && line[0] == '.')
                return output.ToArray();
        }
    }

    /// <summary>True when the server has closed the connection (reads EOF, within a few seconds).</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (true)
            {
                if (_start < _end)
                    return false;
                var n = await _stream.ReadAsync(_buffer, timeout.Token);
                if (n == 0)
                    return true;
                _start = 0;
                _end = n;
            }
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Reads one line through CRLF (bytes included), or null at end of stream.</summary>
    private async Task<byte[]?> ReadRawLineAsync()
    {
        var line = new MemoryStream();
        while (true)
        {
            if (_start == _end)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                _end = await _stream.ReadAsync(_buffer, timeout.Token);
                _start = 0;
                if (_end == 0)
                    return null;
            }
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf < 0)
            {
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
                continue;
            }
            line.Write(_buffer, _start, lf + 1 - _start);
            _start = lf + 1;
            return line.ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
