using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Webmail.Core.Hosting;
using Webmail.ManageSieve.Protocol;

namespace Webmail.ManageSieve.Net;

/// <summary>
/// One client connection: the socket's stream (TLS once negotiated), a <see cref="CommandReader"/>
/// over it and a <see cref="ResponseWriter"/> to it. All I/O is asynchronous: a session waiting for
/// its next command holds buffers, not a thread.
/// </summary>
public sealed class ManageSieveConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private Stream _stream;

    public ManageSieveConnection(Socket socket, IPEndPoint remote)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Reader = new CommandReader(CreateReader(_stream));
        Writer = new ResponseWriter(_stream);
        RemoteAddress = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
    }

    public CommandReader Reader { get; }
    public ResponseWriter Writer { get; }
    public IPAddress RemoteAddress { get; }

    /// <summary>True once STARTTLS has succeeded.</summary>
    public bool IsSecure => _stream is SslStream;

    /// <summary>The TLS protocol in use, for the session log; <see cref="SslProtocols.None"/> without TLS.</summary>
    public SslProtocols TlsProtocol => _stream is SslStream ssl ? ssl.SslProtocol : SslProtocols.None;

    /// <summary>
    /// Negotiates TLS as the server after STARTTLS. A new reader starts on the TLS stream, so anything
    /// the client sent in plain text after the command is dropped (RFC 5804 §2.2 and RFC 3207 §4.2's
    /// reasoning: no plaintext injection into the protected session).
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed.</exception>
    /// <exception cref="OperationCanceledException">The handshake took longer than <paramref name="timeout"/>.</exception>
    public async Task UpgradeToTlsAsync(X509Certificate2 certificate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var tls = await ServerTls.AcceptAsync(_stream, certificate, timeout, cancellationToken).ConfigureAwait(false);
        _stream = tls;
        Reader.Replace(CreateReader(tls));
        Writer.Replace(tls);
    }

    private static PipeReader CreateReader(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The peer is gone already.
        }
        _socket.Dispose();
    }
}
