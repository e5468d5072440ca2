using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>
/// An HTTPS server on 127.0.0.1 standing in for <c>mta-sts.&lt;domain&gt;</c>: it answers every request with what the
/// test scripts (status, content type, body, extra headers), one request per connection, and records the paths asked.
/// </summary>
public sealed class PolicyHttpsServer : IAsyncDisposable
{
    private readonly LoopbackListener _listener;
    private readonly X509Certificate2 _certificate;
    private int _requests;

    public PolicyHttpsServer(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _listener = new LoopbackListener(ServeAsync);
    }

    public int Port => _listener.Port;

    /// <summary>Requests answered (after a successful TLS handshake).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The request lines received, e.g. <c>GET /.well-known/mta-sts.txt HTTP/1.1</c>.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> RequestLines { get; } = new();

    public int Status { get; set; } = 200;
    public string ContentType { get; set; } = "text/plain";
    public byte[] Body { get; set; } = [];

    /// <summary>More header lines, e.g. <c>Location: https://elsewhere.example/</c>.</summary>
    public List<string> ExtraHeaders { get; } = [];

    /// <summary>Serves a policy text (CRLF line ends as RFC 8461 §3.2 writes them).</summary>
    public void Serve(string mode, int maxAge, params string[] mx)
    {
        var text = new StringBuilder($"version: STSv1\r\nmode: {mode}\r\n");
        foreach (var pattern in mx)
            text.Append($"mx: {pattern}\r\n");
        text.Append($"max_age: {maxAge}\r\n");
        (Status, ContentType, Body) = (200, "text/plain", Encoding.ASCII.GetBytes(text.ToString()));
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stop)
    {
        using var _ = client;
        try
        {
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, stop);
            var header = new StringBuilder();
            var one = new byte[1];
            while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && header.Length < 16_384)
            {
                if (await tls.ReadAsync(one, stop) == 0)
                    return;
                header.Append((char)one[0]);
            }
            RequestLines.Enqueue(header.ToString().Split("\r\n")[0]);
            Interlocked.Increment(ref _requests);
            var response = new StringBuilder($"HTTP/1.1 {Status} Scripted\r\nContent-Type: {ContentType}\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n");
            foreach (var line in ExtraHeaders)
                response.Append(line).Append("\r\n");
            response.Append("\r\n");
            await tls.WriteAsync(Encoding.ASCII.GetBytes(response.ToString()), stop);
            await tls.WriteAsync(Body, stop);
            await tls.FlushAsync(stop);
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // The client gave up (or refused the certificate); nothing to answer.
        }
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
