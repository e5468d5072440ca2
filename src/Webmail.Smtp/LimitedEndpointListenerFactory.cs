using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;
using Webmail.Core.Hosting;

namespace Webmail.Smtp;

/// <summary>
/// Accepts the SMTP connections itself (the library's listener cannot be told to): every socket
/// gets TCP_NODELAY, and a client that already has <c>maxPerIp</c> sessions open is turned away
/// with <c>421 4.7.0</c> (RFC 5321 §3.8) before a session starts. The socket is bound before the
/// library starts (see <see cref="SmtpListenerService"/>), so a port that is taken fails start-up.
/// </summary>
/// <remarks>
/// Why NODELAY: a pipelining client (RFC 2920) sends MAIL, RCPT and DATA at once and the session
/// flushes a reply to each. With Nagle's algorithm the second reply waited for the client's
/// delayed ACK of the first — about 40 ms per message, which capped one session at ~21 messages/s.
/// </remarks>
/// <remarks>
/// <paramref name="connectCheck"/> (inbound only) starts the DNS blocklist lookup for the client as it is accepted,
/// without holding up the accept loop; the greeting waits for it (<see cref="SessionReplyWriter"/>).
/// </remarks>
internal sealed class LimitedEndpointListenerFactory(TcpListener bound, Func<int> maxPerIp, ILogger logger, Func<IPAddress, Task<string?>>? connectCheck = null) : IEndpointListenerFactory
{
    private readonly ConnectionCounter _sessions = new();

    private ILogger Logger => logger;

    private Func<IPAddress, Task<string?>>? ConnectCheck => connectCheck;

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) => new Listener(bound, this);

    /// <summary>Open sessions per client address (for tests and diagnostics).</summary>
    public int SessionsFrom(IPAddress address) => _sessions.OpenFrom(address);

    private bool TryEnter(IPAddress address) => _sessions.TryOpen(address, maxPerIp(), inAll: 0) == ConnectionAdmission.Admitted;

    private void Leave(IPAddress address) => _sessions.Close(address);

    private sealed class Listener(TcpListener listener, LimitedEndpointListenerFactory owner) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                client.NoDelay = true;
                var remote = (IPEndPoint)client.Client.RemoteEndPoint!;
                if (owner.TryEnter(remote.Address))
                {
                    context.Properties[EndpointListener.LocalEndPointKey] = listener.LocalEndpoint;
                    context.Properties[EndpointListener.RemoteEndPointKey] = remote;
                    if (owner.ConnectCheck is { } check)
                    {
                        var state = SmtpSessionState.Of(context);
                        state.ClientAddress = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
                        state.BlocklistCheck = check(state.ClientAddress);
                    }
                    return new SessionPipe(client, context, () => owner.Leave(remote.Address));
                }

                owner.Logger.LogWarning("Refused a connection from {RemoteIp}: too many sessions", remote.Address);
                using (client)
                {
                    try
                    {
                        var reply = Encoding.ASCII.GetBytes($"421 {SmtpReplies.TooManyConnections.Message}\r\n");
                        await client.GetStream().WriteAsync(reply, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException e)
                    {
                        owner.Logger.LogDebug(e, "Client {RemoteIp} went away before the 421", remote.Address);
                    }
                }
            }
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>
    /// A session's connection as the pipe the library reads and writes. Upgrading to TLS (STARTTLS or
    /// an implicit-TLS endpoint) forgets what the client said before (RFC 3207 §4.2); disposing
    /// closes the socket and releases the per-IP slot once.
    /// </summary>
    private sealed class SessionPipe : ISecurableDuplexPipe
    {
        private readonly TcpClient _client;
        private readonly ISessionContext _context;
        private readonly Action _release;
        private Stream _stream;
        private int _disposed;

        public SessionPipe(TcpClient client, ISessionContext context, Action release)
        {
            _client = client;
            _context = context;
            _release = release;
            _stream = client.GetStream();
            (Input, Output) = Pipes(greeted: false);
        }

        private SessionReplyWriter _output = null!;

        public PipeReader Input { get; private set; }
        public PipeWriter Output { get; private set; }

        private (PipeReader, PipeWriter) Pipes(bool greeted)
        {
            var state = SmtpSessionState.Of(_context);
            _output = SessionReplyWriter.Create(PipeWriter.Create(_stream), state, () => _context.ServerOptions.ServerName, greeted);
            return (new SaslResponseReader(PipeReader.Create(_stream), state), _output);
        }
        public bool IsSecure => _stream is SslStream;
        public SslProtocols SslProtocol => (_stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var tls = new SslStream(_stream, leaveInnerStreamOpen: true);
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    EnabledSslProtocols = protocols,
                    ClientCertificateRequired = false,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            _stream = tls;
            // An implicit-TLS endpoint upgrades before the greeting, so the new writer may still have to replace it.
            (Input, Output) = Pipes(greeted: _output.Greeted);
            SmtpSessionState.Of(_context).Reset();
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            try
            {
                _stream.Dispose();
                _client.Dispose();
            }
            finally
            {
                _release();
            }
        }
    }
}
