using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Benchmarks;

/// <summary>
/// The least an IMAP client (RFC 9051) can do to time a server: the same client for Dovecot and
/// Webmail. Tagged commands, one at a time; untagged data is skipped, literals included, or only
/// counted (<see cref="CountAsync"/>) so that a 100,000-line answer costs the client next to nothing.
/// </summary>
internal sealed class ImapProbe : IAsyncDisposable
{
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer;
    private readonly CancellationToken _cancellation;
    private int _start, _end, _tag;

    private ImapProbe(Socket socket, int bufferSize, CancellationToken cancellation)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        _buffer = new byte[bufferSize];
        _cancellation = cancellation;
    }

    /// <summary>Connects and reads the greeting; every read and write gives up when <paramref name="cancellation"/> fires.</summary>
    public static async Task<ImapProbe> ConnectAsync(int port, int bufferSize = 256 * 1024, CancellationToken cancellation = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port, cancellation);
        var probe = new ImapProbe(socket, bufferSize, cancellation);
        await probe.ReadLineAsync(); // * OK greeting
        return probe;
    }

    /// <summary>
    /// Sends one command and reads to its tagged OK without decoding the untagged lines: returns how
    /// many untagged lines came and the octets of literal data they carried.
    /// </summary>
    public async Task<(int Lines, long LiteralBytes)> CountAsync(string command)
    {
        var tag = Encoding.ASCII.GetBytes("a" + ++_tag + " ");
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{Encoding.ASCII.GetString(tag)}{command}\r\n"), _cancellation);
        var lines = 0;
        long bytes = 0;
        var continued = false;
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf < 0)
            {
                await FillAsync();
                continue;
            }
            var line = _buffer.AsSpan(_start, lf - _start).TrimEnd((byte)'\r');
            _start = lf + 1;
            if (!continued && line.StartsWith(tag))
                return line[tag.Length..].StartsWith("OK "u8) ? (lines, bytes) : throw new ReplyException(Encoding.UTF8.GetString(line));
            // What follows a literal is the rest of the same response, not a new one.
            if (!continued)
                lines++;
            continued = false;
            if (line.Length > 2 && line[^1] == (byte)'}' && line.LastIndexOf((byte)'{') is var open and >= 0
                && int.TryParse(line[(open + 1)..^1], out var literal))
            {
                bytes += literal;
                await SkipAsync(literal);
                continued = true;
            }
        }
    }

    /// <summary>Sends IDLE and waits for the continuation (RFC 2177).</summary>
    public async Task StartIdleAsync()
    {
        var tag = "a" + ++_tag;
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{tag} IDLE\r\n"), _cancellation);
        while (true)
        {
            var line = await ReadLineAsync();
            if (line.StartsWith('+'))
                return;
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                throw new ReplyException(line);
        }
    }

    /// <summary>Reads untagged lines until one ends with <paramref name="suffix"/> (e.g. " EXISTS"); returns the Stopwatch timestamp of its arrival.</summary>
    public async Task<long> WaitForUntaggedAsync(string suffix)
    {
        while (true)
        {
            var line = await ReadLineAsync();
            if (line.StartsWith("* ", StringComparison.Ordinal) && line.EndsWith(suffix, StringComparison.Ordinal))
                return Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Ends IDLE with DONE and reads to the IDLE command's tagged reply.</summary>
    public async Task EndIdleAsync()
    {
        var tag = "a" + _tag;
        await _stream.WriteAsync("DONE\r\n"u8.ToArray(), _cancellation);
        while (!(await ReadLineAsync()).StartsWith(tag + " ", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Sends one command and reads to its tagged reply; returns the untagged lines (literals dropped).</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        var tag = "a" + ++_tag;
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{tag} {command}\r\n"), _cancellation);
        var untagged = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                return line.StartsWith(tag + " OK", StringComparison.Ordinal) ? untagged : throw new ReplyException(line);
            untagged.Add(line);
            // A line ending in {n} announces n octets of literal data.
            if (line.EndsWith('}') && line.LastIndexOf('{') is var open and >= 0 && int.TryParse(line.AsSpan(open + 1, line.Length - open - 2), out var literal))
                await SkipAsync(literal);
        }
    }

    /// <summary>LOGIN, SELECT INBOX and FETCH of the newest <paramref name="page"/> envelopes: the IMAP twin of a first list page.</summary>
    public static async Task<TimeSpan> FirstPageAsync(int port, string user, string password, int page)
    {
        var watch = Stopwatch.StartNew();
        await using var probe = await ConnectAsync(port);
        await probe.CommandAsync($"LOGIN {user} \"{password}\"");
        var select = await probe.CommandAsync("SELECT INBOX");
        var exists = select.Select(l => l.Split(' ')).First(p => p.Length >= 3 && p[2] == "EXISTS")[1];
        var count = int.Parse(exists, System.Globalization.CultureInfo.InvariantCulture);
        await probe.CommandAsync($"FETCH {Math.Max(1, count - page + 1)}:{count} (FLAGS RFC822.SIZE ENVELOPE)");
        return watch.Elapsed;
    }

    /// <summary>SEARCH BODY &lt;word&gt; in an already selected INBOX; returns the time and the number of matches.</summary>
    public async Task<(TimeSpan Elapsed, int Matches)> SearchBodyAsync(string word)
    {
        var watch = Stopwatch.StartNew();
        var lines = await CommandAsync($"SEARCH BODY {word}");
        var matches = lines.Where(l => l.StartsWith("* SEARCH", StringComparison.Ordinal)).Sum(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 2);
        return (watch.Elapsed, matches);
    }

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }
            await FillAsync();
        }
    }

    private async Task SkipAsync(int count)
    {
        while (count > 0)
        {
            if (_start == _end)
                await FillAsync();
            var take = Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    private async Task FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            throw new InvalidOperationException("IMAP line longer than the buffer.");
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), _cancellation);
        if (n == 0)
            throw new IOException("The server closed the connection.");
        _end += n;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CommandAsync("LOGOUT");
        }
        catch (Exception ex) when (ex is IOException or ReplyException or OperationCanceledException)
        {
            // LOGOUT's BYE may close before the tagged OK; a run that timed out closes without waiting.
        }
        await _stream.DisposeAsync();
    }

    /// <summary>Closes the connection without LOGOUT, as a client that goes away does.</summary>
    public ValueTask AbortAsync() => _stream.DisposeAsync();
}
