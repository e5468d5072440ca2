using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// A byte-exact POP3 client over a raw socket: it sends lines exactly as given (Latin-1, so 8-bit
/// bytes go out as single octets) and reads status lines and multi-line responses as they come, so a
/// test can see whether QUIT really was answered <c>+OK</c> and count replies one by one.
/// </summary>
public sealed class RawPop3 : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly TimeSpan _timeout;

    private RawPop3(TcpClient tcp, TimeSpan timeout)
    {
        _tcp = tcp;
        _timeout = timeout;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.Latin1);
    }

    /// <summary>Connects and returns the client with the greeting line read ("" when the server closed at once).</summary>
    public static async Task<(RawPop3 Client, string Greeting)> ConnectAsync(int port, TimeSpan? timeout = null)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        // A hang guard, not a speed check: a reply that needs a KDF can wait long on a machine busy with other work.
        var client = new RawPop3(tcp, timeout ?? TimeSpan.FromSeconds(60));
        return (client, await client.ReadLineAsync() ?? "");
    }

    /// <summary>Sends <paramref name="line"/> exactly as given plus CRLF and returns the status line ("" when the server closed).</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendRawAsync(line + "\r\n");
        return await ReadLineAsync() ?? "";
    }

    /// <summary>Sends the text as Latin-1 octets, nothing added.</summary>
    public async Task SendRawAsync(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(_timeout);
    }

    /// <summary>One line without its CRLF, or null when the connection closed.</summary>
    public async Task<string?> ReadLineAsync() => await _reader.ReadLineAsync().WaitAsync(_timeout);

    /// <summary>
    /// The body of a multi-line response after its status line (RFC 1939 §3): lines up to the lone
    /// ".", with the byte-stuffing dot removed. Throws <see cref="IOException"/> when the connection closes first.
    /// </summary>
    public async Task<List<string>> ReadMultilineAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("connection closed inside a multi-line response");
            if (line == ".")
                return lines;
            lines.Add(line.StartsWith('.') ? line[1..] : line);
        }
    }

    /// <summary>USER and PASS; true when PASS was answered +OK.</summary>
    public async Task<bool> LoginAsync(string user, string password)
    {
        if (!IsOk(await CommandAsync("USER " + user)))
            return false;
        return IsOk(await CommandAsync("PASS " + password));
    }

    public static bool IsOk(string reply) => reply.StartsWith("+OK", StringComparison.Ordinal);

    public static bool IsErr(string reply) => reply.StartsWith("-ERR", StringComparison.Ordinal);

    public void Dispose()
    {
        _reader.Dispose();
        _tcp.Dispose();
    }
}
