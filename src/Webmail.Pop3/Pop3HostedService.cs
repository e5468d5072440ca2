using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Pop3.Net;

namespace Webmail.Pop3;

/// <summary>
/// Starts the POP3 listeners the configuration asks for: <c>Webmail:Pop3:Endpoint</c> (plain,
/// STLS offered; default 127.0.0.1:1110) and <c>Webmail:Pop3Tls:Endpoint</c> (implicit TLS; off
/// when empty), and reports them to the <see cref="ListenerRegistry"/> for /healthz.
/// </summary>
public sealed class Pop3HostedService(Pop3ServerContext server, ListenerRegistry registry, ILogger<Pop3HostedService> logger) : IHostedService, IAsyncDisposable
{
    public const string PlainListener = "pop3";
    public const string TlsListener = "pop3s";

    private readonly List<Pop3Listener> _listeners = [];

    public IReadOnlyList<Pop3Listener> Listeners => _listeners;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = server.Options;
        if (EndpointParser.Parse(options.Pop3.Endpoint) is { } plain)
            Start(PlainListener, plain, implicitTls: false);
        if (EndpointParser.Parse(options.Pop3Tls.Endpoint) is { } tls)
        {
            // Load (or generate) the certificate now: a broken one should fail start-up, not the first client.
            _ = server.Certificates.Certificate;
            Start(TlsListener, tls, implicitTls: true);
        }
        return Task.CompletedTask;
    }

    private void Start(string name, System.Net.IPEndPoint endpoint, bool implicitTls)
    {
        registry.Register(name, "POP3", endpoint.ToString(), implicitTls, startTls: !implicitTls);
        var listener = new Pop3Listener(name, endpoint, implicitTls, server);
        try
        {
            listener.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // A port that is taken fails the start naming the listener, as for SMTP and the web.
            throw new IOException($"POP3 listener {name} cannot listen on {endpoint}: {e.Message}", e);
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
                logger.LogWarning(ex, "POP3 listener {Name}: sessions did not end in time", listener.Name);
            }
        }
        _listeners.Clear();
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
