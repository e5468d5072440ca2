using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;

namespace Webmail.Hosting;

/// <summary>
/// What an operator watches: the log format (<c>Webmail:Logging:Format</c>), <c>/metrics</c> in
/// Prometheus form through OpenTelemetry (<see cref="WebmailMeter"/>, ASP.NET Core's and the runtime's
/// meters), and <c>/readyz</c> for load balancers. See docs/operations.md.
/// </summary>
public static class Observability
{
    public static void AddWebmailObservability(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(WebmailOptions.SectionName).Get<WebmailOptions>() ?? new WebmailOptions();
        switch (options.Logging.Format.Trim().ToLowerInvariant())
        {
            case "" or "text":
                break;
            case "json":
                // One object per line, with the scopes: a POP3/IMAP session's lines carry its id.
                builder.Logging.AddJsonConsole(json =>
                {
                    json.IncludeScopes = true;
                    json.UseUtcTimestamp = true;
                    json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
                break;
            default:
                throw new FormatException($"Webmail:Logging:Format must be text or json, not '{options.Logging.Format}'.");
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, CircuitCounter>());
        var endpoint = EndpointParser.Parse(options.Metrics.Endpoint);
        if (options.Metrics.Token.Length == 0 && endpoint is null)
            return;
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(WebmailMeter.Name).AddAspNetCoreInstrumentation().AddRuntimeInstrumentation();
            if (options.Metrics.Token.Length > 0)
                metrics.AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0);
            if (endpoint is not null)
                metrics.AddPrometheusHttpListener(listener =>
                {
                    listener.Host = endpoint.Address.ToString();
                    listener.Port = endpoint.Port;
                    listener.ScrapeResponseCacheDurationMilliseconds = 0;
                });
        });
    }

    public static void MapObservability(this WebApplication app)
    {
        app.MapGet("/readyz", Ready).AllowAnonymous();
        var token = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebmailOptions>>().Value.Metrics.Token;
        if (token.Length == 0)
            return;
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            await next(context);
        }), optionsName: null);
    }

    /// <summary>
    /// <c>GET /readyz</c>: 200 once every listener accepts and the store answers (the migrations ran before
    /// the server started serving), else 503. Unlike <c>/healthz</c> it says only yes or no; a full disk
    /// is still ready, for the reason <see cref="HealthEndpoint"/> gives.
    /// </summary>
    private static async Task<IResult> Ready(ListenerRegistry listeners, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        if (!listeners.AllUp)
            return Results.Json(new { status = "not ready", reason = "listeners starting" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        try
        {
            await directory.CountAccountsAsync(cancellationToken);
        }
        catch (StoreUnavailableException)
        {
            return Results.Json(new { status = "not ready", reason = "store unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return Results.Json(new { status = "ready" });
    }

    /// <summary>Counts open circuits in <see cref="WebmailMeter.WebCircuits"/>.</summary>
    private sealed class CircuitCounter : CircuitHandler
    {
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            WebmailMeter.WebCircuits.Add(1);
            return Task.CompletedTask;
        }

        public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            WebmailMeter.WebCircuits.Add(-1);
            return Task.CompletedTask;
        }
    }
}
