using System.Net;
using Microsoft.Extensions.Hosting;
using Webmail.Core.Configuration;

namespace Webmail.Core.Hosting;

/// <summary>A protocol listener on one endpoint that <see cref="MailListenerService{TListener}"/> starts and stops.</summary>
public interface IMailListener : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Binds and starts accepting.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The endpoint cannot be bound.</exception>
    void Start();
}

/// <summary>
/// Starts a protocol's listeners that are configured (plain with STARTTLS, and implicit TLS; an
/// empty endpoint turns one off), reports them to the <see cref="ListenerRegistry"/> for /healthz,
/// and fails the start naming the listener when its port is taken — as for SMTP and the web.
/// </summary>
public abstract class MailListenerService<TListener>(ListenerRegistry registry, CertificateProvider certificates) : IHostedService, IAsyncDisposable
    where TListener : IMailListener
{
    private readonly List<TListener> _listeners = [];

    public IReadOnlyList<TListener> Listeners => _listeners;

    /// <summary>The protocol's name in the registry and in messages (<c>POP3</c>, <c>IMAP</c>).</summary>
    protected abstract string Protocol { get; }

    /// <summary>The listeners the configuration asks for: registry name, endpoint setting, implicit TLS.</summary>
    protected abstract IEnumerable<(string Name, ListenerOptions Options, bool ImplicitTls)> Configured();

    protected abstract TListener Create(string name, IPEndPoint endpoint, bool implicitTls);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, options, implicitTls) in Configured())
        {
            if (EndpointParser.Parse(options.Endpoint) is not { } endpoint)
                continue;
            // Load (or generate) the certificate now: a broken one should fail start-up, not the first client.
            if (implicitTls)
                _ = certificates.Certificate;
            registry.Register(name, Protocol, endpoint.ToString(), implicitTls, startTls: !implicitTls);
            var listener = Create(name, endpoint, implicitTls);
            try
            {
                listener.Start();
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new IOException($"{Protocol} listener {name} cannot listen on {endpoint}: {e.Message}", e);
            }
            _listeners.Add(listener);
            registry.MarkUp(name);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var listener in _listeners)
        {
            registry.MarkUp(listener.Name, up: false);
            await listener.DisposeAsync().ConfigureAwait(false);
        }
        _listeners.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
