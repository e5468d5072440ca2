using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Benchmarks;

/// <summary>
/// The least an IMAP client (RFC 9051) can do to time a server: the same client for Dovecot and
/// Webmail. Tagged commands, one at a time; untagged data is skipped, literals included, or only
/// counted (<see cref="CountAsync"/>) so that a 100,000-line answer costs the client next to nothing.
/// It counts the octets on the wire both ways (<see cref="WireBytes"/>), after COMPRESS too.
/// </summary>
internal sealed class ImapProbe : IAsyncDisposable
{
    private readonly WireCounter _wire;
    private Stream _reader, _writer;
    private readonly byte[] _buffer;
    private readonly CancellationToken _cancellation;
    private int _start, _end, _tag;

    private ImapProbe(Socket socket, int bufferSize, CancellationToken cancellation)
    {
        _wire = new WireCounter(new NetworkStream(socket, ownsSocket: true));
        _reader = _writer = _wire;
        _buffer = new byte[bufferSize];
        _cancellation = cancellation;
    }

    /// <summary>Octets read and written on the socket since the connection opened (compressed ones once COMPRESS is on).</summary>
    public long WireBytes => _wire.BytesRead + _wire.BytesWritten;

    /// <summary>COMPRESS DEFLATE (RFC 4978): after the tagged OK both directions are raw DEFLATE, each command sync-flushed.</summary>
    public async Task CompressAsync()
    {
        await CommandAsync("COMPRESS DEFLATE");
        if (_start != _end)
            throw new InvalidOperationException("Data after COMPRESS's OK arrived before compression started.");
        _reader = new DeflateStream(_wire, CompressionMode.Decompress, leaveOpen: true);
        _writer = new DeflateStream(_wire, CompressionLevel.Fastest, leaveOpen: true);
    }

    private async Task SendAsync(byte[] data)
    {
        await _writer.WriteAsync(data, _cancellation);
        if (_writer != _wire)
            await _writer.FlushAsync(_cancellation);
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
        await SendAsync(Encoding.ASCII.GetBytes($"{Encoding.ASCII.GetString(tag)}{command}\r\n"));
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
        await SendAsync(Encoding.ASCII.GetBytes($"{tag} IDLE\r\n"));
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
        await SendAsync("DONE\r\n"u8.ToArray());
        while (!(await ReadLineAsync()).StartsWith(tag + " ", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Sends one command and reads to its tagged reply; returns the untagged lines (literals dropped).</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        var tag = "a" + ++_tag;
        await SendAsync(Encoding.ASCII.GetBytes($"{tag} {command}\r\n"));
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
        var n = await _reader.ReadAsync(_buffer.AsMemory(_end), _cancellation);
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
        await AbortAsync();
    }

    /// <summary>Closes the connection without LOGOUT, as a client that goes away does.</summary>
    public async ValueTask AbortAsync()
    {
        if (_reader != _wire)
            await _reader.DisposeAsync();
        if (_writer != _wire)
        {
            try
            {
                await _writer.DisposeAsync();
            }
            catch (IOException)
            {
                // The deflate stream's last flush meets a connection the server has closed.
            }
        }
        await _wire.DisposeAsync();
    }

    /// <summary>The socket's stream, counting the octets each way.</summary>
    private sealed class WireCounter(NetworkStream inner) : Stream
    {
        public long BytesRead, BytesWritten;

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            BytesRead += n;
            return n;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            BytesWritten += buffer.Length;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            BytesWritten += count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
