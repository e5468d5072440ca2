using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;
using SmtpServer.ComponentModel;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Mail.Delivery;
using Webmail.Mail.Spam;

namespace Webmail.Smtp;

/// <summary>
/// Runs the SMTP listeners that are configured: inbound (<c>Webmail:Smtp:Inbound:Endpoint</c>),
/// submission with STARTTLS (<c>Webmail:Smtp:Submission:Endpoint</c>) and submission over implicit
/// TLS (<c>Webmail:Smtp:SubmissionTls:Endpoint</c>). An empty endpoint turns a listener off.
/// </summary>
public sealed class SmtpListenerService(
    IOptionsMonitor<WebmailOptions> options,
    DeliveryPipeline pipeline,
    IDirectoryStore directory,
    CredentialVerifier verifier,
    CertificateProvider certificates,
    ListenerRegistry registry,
    DnsBlocklist blocklist,
    IInboundFilterCounter filterCounter,
    ILoggerFactory loggerFactory,
    Webmail.Mail.Authentication.SenderAuthenticator? authenticator = null) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<SmtpListenerService>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(SmtpServer.SmtpServer Server, Task Running)> _servers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        // A mistyped trusted network fails the start, naming the entry, rather than every inbound message later.
        _ = pipeline.TrustedNetworks;
        Start("smtp", SmtpRole.Inbound, current.Smtp.Inbound, implicitTls: false, current);
        Start("submission", SmtpRole.Submission, current.Smtp.Submission, implicitTls: false, current);
        Start("submissions", SmtpRole.Submission, current.Smtp.SubmissionTls, implicitTls: true, current);
        return Task.CompletedTask;
    }

    private void Start(string name, SmtpRole role, ListenerOptions listener, bool implicitTls, WebmailOptions current)
    {
        var endpoint = EndpointParser.Parse(listener.Endpoint);
        if (endpoint is null)
            return;
        registry.Register(name, "SMTP", endpoint.ToString(), implicitTls, startTls: !implicitTls);

        var limits = current.Limits;
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName(current.Hostname)
            // Strict: the size limit is enforced while the data streams in, for messages and command lines alike.
            .MaxMessageSize((int)Math.Min(int.MaxValue, limits.MaxMessageSize), MaxMessageSizeHandling.Strict)
            .CommandWaitTimeout(limits.CommandTimeout)
            .MaxRetryCount(10)
            .Endpoint(b => b
                .Endpoint(endpoint)
                .IsSecure(implicitTls)
                .AuthenticationRequired(false) // enforced by SmtpMailboxFilter with RFC 4954's 530 5.7.0
                .AllowUnsecureAuthentication(true) // where plaintext AUTH is allowed is SmtpAuthenticator's call
                .SessionTimeout(limits.SmtpSessionTimeout)
                .SupportedSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .Certificate(certificates.Certificate))
            .Build();

        var logger = loggerFactory.CreateLogger("Webmail.Smtp." + name);
        var services = new ServiceProvider();
        services.Add(new SmtpMailboxFilter(role, pipeline, directory, options, logger, authenticator));
        services.Add(new SmtpDeliveryStore(pipeline, options, logger));
        services.Add(new SmtpAuthenticator(verifier, options, logger));
        services.Add(new SmtpCommands(options));
        services.Add(new LimitedEndpointListenerFactory(Bind(name, endpoint), () => options.CurrentValue.Limits.MaxSessionsPerIp, logger,
            role == SmtpRole.Inbound ? address => CheckBlocklistsAsync(address, logger) : null));

        var server = new SmtpServer.SmtpServer(serverOptions, services);
        var roleName = role.ToString().ToLowerInvariant();
        server.SessionCreated += (_, e) =>
        {
            var state = SmtpSessionState.Of(e.Context);
            state.Role = roleName;
            state.Counted = WebmailMeter.Session("smtp-" + roleName);
        };
        server.SessionCompleted += (_, e) => LogSession(logger, e.Context, "completed", null);
        server.SessionCancelled += (_, e) => LogSession(logger, e.Context, "cancelled", null);
        server.SessionFaulted += (_, e) => LogSession(logger, e.Context, "faulted", e.Exception);
        var running = RunAsync(name, server);
        _servers.Add((server, running));
        _logger.LogInformation("SMTP {Listener} ({Role}) listening on {Endpoint}{Tls}", name, role, endpoint, implicitTls ? " with implicit TLS" : "");
    }

    /// <summary>
    /// Binds the port now, so a port that is taken (or not ours to take) fails the start naming the
    /// listener, as Postfix does, instead of a server that runs without SMTP.
    /// </summary>
    private TcpListener Bind(string name, IPEndPoint endpoint)
    {
        var socket = new TcpListener(endpoint);
        try
        {
            socket.Start();
        }
        catch (SocketException e)
        {
            throw new IOException($"SMTP listener {name} cannot listen on {endpoint}: {e.Message}", e);
        }
        registry.MarkUp(name);
        return socket;
    }

    private async Task RunAsync(string name, SmtpServer.SmtpServer server)
    {
        try
        {
            await server.StartAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            registry.MarkUp(name, false);
            _logger.LogError(e, "SMTP listener {Listener} stopped", name);
        }
    }

    /// <summary>
    /// The DNS blocklists (<c>Webmail:Spam:Dnsbl</c>) asked about an inbound client as it connects, bounded to 10 s; the
    /// zone that lists it, or null. A listing is counted for the dashboard (rejected, dnsbl).
    /// </summary>
    private async Task<string?> CheckBlocklistsAsync(IPAddress address, ILogger logger)
    {
        if (!blocklist.IsConfigured)
            return null;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        bound.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var zone = await blocklist.FindListingAsync(address, bound.Token).ConfigureAwait(false);
            if (zone is not null)
            {
                logger.LogInformation("Refused a connection from {RemoteIp}: listed by {Zone}", address, zone);
                await filterCounter.CountAsync("rejected", "dnsbl", CancellationToken.None).ConfigureAwait(false);
            }
            return zone;
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("DNS blocklist check for {RemoteIp} took more than 10 s; the client is greeted", address);
            return null;
        }
    }

    /// <summary>One line per session with its outcome.</summary>
    private static void LogSession(ILogger logger, ISessionContext context, string outcome, Exception? error)
    {
        var state = SmtpSessionState.Of(context);
        state.Counted?.Dispose();
        if (error is null)
            logger.LogInformation("SMTP session {Session} from {RemoteIp} {Outcome}: {Messages} accepted, {Rejected} refused, account {Account}",
                context.SessionId, SmtpSessionState.RemoteAddress(context), outcome, state.Messages, state.Rejected, state.AccountAddress);
        else
            logger.LogWarning(error, "SMTP session {Session} from {RemoteIp} {Outcome}: {Messages} accepted, {Rejected} refused",
                context.SessionId, SmtpSessionState.RemoteAddress(context), outcome, state.Messages, state.Rejected);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var (server, _) in _servers)
            server.Shutdown();
        try
        {
            await Task.WhenAll(_servers.Select(s => s.Running)).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("SMTP listeners did not stop within 10 seconds");
        }
        _stopping.Dispose();
    }
}
