namespace Webmail.Admin;

/// <summary>
/// <c>GET /.well-known/mta-sts.txt</c> (RFC 8461 §3.3) on the web listener: the policy of the domain named by the
/// Host header <c>mta-sts.&lt;domain&gt;</c>, for every served domain; 404 for any other host. Senders fetch it over
/// HTTPS only, so the web listener (or the proxy before it) needs a certificate for that name.
/// </summary>
public static class MtaStsEndpoint
{
    public const string Path = "/.well-known/mta-sts.txt";

    public static IEndpointRouteBuilder MapMtaStsPolicy(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, async (HttpContext context, MtaStsPolicies policies) =>
        {
            var host = context.Request.Host.Host.TrimEnd('.').ToLowerInvariant();
            if (!host.StartsWith("mta-sts.", StringComparison.Ordinal) || host.Length > 253)
                return Results.NotFound();
            var setting = await policies.GetAsync(host["mta-sts.".Length..], context.RequestAborted);
            if (setting is null)
                return Results.NotFound();
            // §3.3: the policy is text/plain; senders must not follow redirects, and cache it for max_age.
            context.Response.Headers.CacheControl = "no-cache";
            return Results.Text(policies.PolicyText(setting), "text/plain; charset=utf-8");
        }).AllowAnonymous();
        return endpoints;
    }
}
