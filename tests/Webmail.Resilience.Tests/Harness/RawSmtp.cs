using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>A byte-exact SMTP client over a raw socket, for hostile command lines MailKit would refuse to send.</summary>
public sealed class RawSmtp : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private RawSmtp(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = 10_000;
        _reader = new StreamReader(_stream, Encoding.Latin1);
    }

    /// <summary>Connects (from <paramref name="localAddress"/> when given, e.g. 127.0.0.2) and returns the client with the greeting read.</summary>
    public static async Task<(RawSmtp Client, string Greeting)> ConnectAsync(int port, string? localAddress = null)
    {
        var tcp = new TcpClient(new IPEndPoint(IPAddress.Parse(localAddress ?? "127.0.0.1"), 0));
        await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
        var client = new RawSmtp(tcp);
        return (client, await client.ReadReplyAsync());
    }

    /// <summary>Sends <paramref name="line"/> exactly as given plus CRLF, and returns the full (possibly multi-line) reply, or "" when the server closed.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendRawAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public async Task SendRawAsync(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Reads one reply; "" if the connection closed first.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var reply = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            if (line is null)
                return reply.ToString();
            reply.Append(line).Append('\n');
            if (line.Length < 4 || line[3] != '-')
                return reply.ToString();
        }
    }

    /// <summary>The three-digit code of a reply, or 0 for a closed connection.</summary>
    public static int Code(string reply) => reply.Length >= 3 && int.TryParse(reply.AsSpan(0, 3), out var code) ? code : 0;

    public void Dispose()
    {
        _reader.Dispose();
        _tcp.Dispose();
    }
}
