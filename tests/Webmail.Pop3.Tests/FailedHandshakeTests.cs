using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Webmail.Pop3.Net;
using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>
/// Issue 15, part 9b: a client that sends STLS and then no TLS (garbage, or a close) must not make
/// anything throw past the session: the TLS protocol asked for by the session's log line included.
/// </summary>
public sealed class FailedHandshakeTests
{
    [Fact]
    public async Task TlsProtocolIsNoneAfterAFailedHandshake()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var socket = await listener.AcceptSocketAsync();
        using var connection = new Pop3Connection(socket, (IPEndPoint)socket.RemoteEndPoint!, TimeProvider.System, TimeSpan.FromSeconds(10));
        using var certificate = SelfSigned();

        // Plaintext where a ClientHello belongs, then the client goes away.
        await client.GetStream().WriteAsync("USER someone@local.example\r\n"u8.ToArray());
        client.Client.Shutdown(SocketShutdown.Send);
        var handshake = Record.Exception(() => connection.StartTls(certificate, TimeSpan.FromSeconds(10)));

        Assert.True(handshake is AuthenticationException or IOException, "unexpected: " + handshake);
        Assert.False(connection.IsSecure);
        Assert.Equal(SslProtocols.None, connection.TlsProtocol);
    }

    [Fact]
    public async Task StlsFollowedByGarbageOrACloseEndsTheSessionWithItsLogLineAndNoError()
    {
        var log = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        await using var host = await Pop3TestHost.StartAsync(loggers: loggers);

        await using (var garbage = await host.ConnectAsync())
        {
            Assert.Equal("+OK Begin TLS negotiation", await garbage.CommandAsync("STLS"));
            await garbage.SendAsync("this is not a ClientHello\r\n");
            Assert.True(await garbage.IsClosedByServerAsync());
        }
        await using (var closer = await host.ConnectAsync())
            Assert.Equal("+OK Begin TLS negotiation", await closer.CommandAsync("STLS"));
        await AuthorizationTests.WaitUntilAsync(() => host.Context.Connections.Total == 0);

        var entries = log.Entries;
        Assert.Equal(2, entries.Count(e => e.Message.StartsWith("POP3 session ", StringComparison.Ordinal) && e.Message.Contains("TLS None", StringComparison.Ordinal)));
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Error);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pfx), null);
    }
}
