using Webmail.Core.Hosting;
using Webmail.Core.Storage;

namespace Webmail.Hosting;

/// <summary><c>GET /healthz</c>: 200 with the listeners and the store once every listener accepts; 503 before.</summary>
public static class HealthEndpoint
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/healthz", async (ListenerRegistry listeners, IDirectoryStore directory, CancellationToken cancellationToken) =>
        {
            bool storeOk;
            try
            {
                await directory.CountAccountsAsync(cancellationToken);
                storeOk = true;
            }
            catch (StoreUnavailableException)
            {
                storeOk = false;
            }
            var healthy = storeOk && listeners.AllUp;
            var body = new
            {
                status = healthy ? "ok" : "unavailable",
                store = storeOk ? "ok" : "unreachable",
                listeners = listeners.Listeners.Select(l => new { name = l.Name, protocol = l.Protocol, endpoint = l.Endpoint, up = l.IsUp }),
            };
            return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
}
