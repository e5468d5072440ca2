using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Webmail.Smtp;

/// <summary>
/// Accepts connections through the library's listener, but turns away a client that already has
/// <c>maxPerIp</c> sessions open with <c>421 4.7.0</c> (RFC 5321 §3.8) before a session starts.
/// Reports the endpoint as started so the listener registry can mark it up.
/// </summary>
internal sealed class LimitedEndpointListenerFactory(Func<int> maxPerIp, Action started, ILogger logger) : EndpointListenerFactory
{
    private readonly ConcurrentDictionary<IPAddress, int> _sessions = new();

    private ILogger Logger => logger;

    public override IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var inner = base.CreateListener(endpointDefinition);
        started();
        return new Listener(inner, this);
    }

    /// <summary>Open sessions per client address (for tests and diagnostics).</summary>
    public int SessionsFrom(IPAddress address) => _sessions.TryGetValue(address, out var n) ? n : 0;

    private bool TryEnter(IPAddress address)
    {
        while (true)
        {
            var current = _sessions.GetOrAdd(address, 0);
            if (current >= maxPerIp())
                return false;
            if (_sessions.TryUpdate(address, current + 1, current))
                return true;
        }
    }

    private void Leave(IPAddress address)
    {
        while (_sessions.TryGetValue(address, out var current))
        {
            if (current <= 1 ? _sessions.TryRemove(new KeyValuePair<IPAddress, int>(address, current)) : _sessions.TryUpdate(address, current - 1, current))
                return;
        }
    }

    private sealed class Listener(IEndpointListener inner, LimitedEndpointListenerFactory owner) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            while (true)
            {
                var pipe = await inner.GetPipeAsync(context, cancellationToken).ConfigureAwait(false);
                var address = SmtpSessionState.RemoteAddress(context) ?? IPAddress.None;
                if (owner.TryEnter(address))
                    return new CountedPipe(pipe, context, () => owner.Leave(address));

                owner.Logger.LogWarning("Refused a connection from {RemoteIp}: too many sessions", address);
                try
                {
                    var reply = Encoding.ASCII.GetBytes($"421 {SmtpReplies.TooManyConnections.Message}\r\n");
                    await pipe.Output.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    owner.Logger.LogDebug(e, "Client {RemoteIp} went away before the 421", address);
                }
                finally
                {
                    pipe.Dispose();
                    // The library adds the endpoint keys with Add: clear them before the next accept.
                    context.Properties.Remove(EndpointListener.LocalEndPointKey);
                    context.Properties.Remove(EndpointListener.RemoteEndPointKey);
                }
            }
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>
    /// The session's pipe; releases the per-IP slot once when the session disposes it, and forgets
    /// what the client said before STARTTLS once TLS is up (RFC 3207 §4.2).
    /// </summary>
    private sealed class CountedPipe(ISecurableDuplexPipe inner, ISessionContext context, Action release) : ISecurableDuplexPipe
    {
        private int _disposed;

        public PipeReader Input => inner.Input;
        public PipeWriter Output => inner.Output;
        public bool IsSecure => inner.IsSecure;
        public SslProtocols SslProtocol => inner.SslProtocol;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            await inner.UpgradeAsync(certificate, protocols, cancellationToken).ConfigureAwait(false);
            SmtpSessionState.Of(context).Reset();
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            try
            {
                inner.Dispose();
            }
            finally
            {
                release();
            }
        }
    }
}
