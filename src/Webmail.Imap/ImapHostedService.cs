using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Imap.Net;

namespace Webmail.Imap;

/// <summary>
/// Starts the IMAP listeners that are configured (<c>Webmail:Imap:Endpoint</c> with STARTTLS,
/// <c>Webmail:ImapTls:Endpoint</c> with implicit TLS; empty turns one off) and reports them to the
/// <see cref="ListenerRegistry"/>. A port that is taken fails the start, naming the listener.
/// </summary>
public sealed class ImapHostedService(ImapServerContext server, ListenerRegistry registry, ILogger<ImapHostedService> logger) : IHostedService, IAsyncDisposable
{
    public const string PlainListener = "imap";
    public const string TlsListener = "imaps";

    private readonly List<ImapListener> _listeners = [];

    public IReadOnlyList<ImapListener> Listeners => _listeners;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = server.Options;
        if (EndpointParser.Parse(options.Imap.Endpoint) is { } plain)
            Start(PlainListener, plain, implicitTls: false);
        if (EndpointParser.Parse(options.ImapTls.Endpoint) is { } tls)
        {
            // Load (or generate) the certificate now: a broken one should fail start-up, not the first client.
            _ = server.Certificates.Certificate;
            Start(TlsListener, tls, implicitTls: true);
        }
        return Task.CompletedTask;
    }

    private void Start(string name, System.Net.IPEndPoint endpoint, bool implicitTls)
    {
        registry.Register(name, "IMAP", endpoint.ToString(), implicitTls, startTls: !implicitTls);
        var listener = new ImapListener(name, endpoint, implicitTls, server);
        try
        {
            listener.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IOException($"IMAP listener {name} cannot listen on {endpoint}: {e.Message}", e);
        }
        _listeners.Add(listener);
        registry.MarkUp(name);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var listener in _listeners)
        {
            registry.MarkUp(listener.Name, up: false);
            try
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                logger.LogWarning(ex, "IMAP listener {Name}: sessions did not end in time", listener.Name);
            }
        }
        _listeners.Clear();
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
