using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Benchmarks;

/// <summary>
/// The least an IMAP client (RFC 9051) can do to time Dovecot on what our web UI does: open the
/// INBOX and fetch the newest page of envelopes, and search message bodies. Tagged commands, one at
/// a time; untagged data is skipped, literals included.
/// </summary>
internal sealed class ImapProbe : IAsyncDisposable
{
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start, _end, _tag;

    private ImapProbe(Socket socket) => _stream = new NetworkStream(socket, ownsSocket: true);

    public static async Task<ImapProbe> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var probe = new ImapProbe(socket);
        await probe.ReadLineAsync(); // * OK greeting
        return probe;
    }

    /// <summary>Sends one command and reads to its tagged reply; returns the untagged lines (literals dropped).</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        var tag = "a" + ++_tag;
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{tag} {command}\r\n"));
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
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end));
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
        catch (Exception ex) when (ex is IOException or ReplyException)
        {
            // LOGOUT's BYE may close before the tagged OK.
        }
        await _stream.DisposeAsync();
    }
}
