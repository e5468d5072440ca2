using Webmail.Core.Hosting;
using Webmail.Core.Storage;

namespace Webmail.Hosting;

/// <summary>
/// <c>GET /healthz</c>: 503 until every listener accepts (or when the store cannot be read); then
/// 200 with <c>"status":"ok"</c>, or 200 with <c>"status":"degraded"</c> and
/// <c>"store":"write-failing"</c> while writes fail (a full disk).
/// </summary>
/// <remarks>
/// Degraded is 200 on purpose: a node whose disk is full still serves every read and every delete,
/// which is how its users free the space. A 503 would make a load balancer or orchestrator take it
/// out of rotation (or restart it), locking those users out; new mail is refused with 452 meanwhile,
/// so senders retry and nothing is lost. Monitors alert on the <c>status</c> field.
/// </remarks>
public static class HealthEndpoint
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/healthz", async (ListenerRegistry listeners, IDirectoryStore directory, StoreWriteHealth writes, CancellationToken cancellationToken) =>
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
            var available = storeOk && listeners.AllUp;
            var writesFailing = writes.WritesFailing;
            var body = new
            {
                status = !available ? "unavailable" : writesFailing ? "degraded" : "ok",
                store = !storeOk ? "unreachable" : writesFailing ? "write-failing" : "ok",
                storeError = writesFailing ? writes.Reason : null,
                storeFailingSince = writes.FailingSince,
                listeners = listeners.Listeners.Select(l => new { name = l.Name, protocol = l.Protocol, endpoint = l.Endpoint, up = l.IsUp }),
            };
            return Results.Json(body, statusCode: available ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
}
