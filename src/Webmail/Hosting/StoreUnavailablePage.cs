using System.Net;
using Webmail.Core.Storage;

namespace Webmail.Hosting;

/// <summary>
/// A web request the store could not serve (the database restarting, a failover, an unreachable server) gets a
/// <c>503 Service Unavailable</c> with <c>Retry-After</c> (RFC 9110 §15.6.3, §10.2.3) and, for a browser, a short page
/// that says what is going on and loads itself again until the store answers. Not the error page: that one is
/// rendered by re-running the pipeline, whose sign-in check reads the store that just failed.
/// </summary>
public static class StoreUnavailablePage
{
    /// <summary>How long a client is told to wait, and how often the page reloads itself.</summary>
    public const int RetryAfterSeconds = 10;

    /// <summary>The page's text (tests look for it).</summary>
    public const string Heading = "Your mail is unavailable for a moment";

    private static readonly string Html = $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="{RetryAfterSeconds}">
        <title>Unavailable · Webmail</title>
        <link href="/app.css" rel="stylesheet">
        </head>
        <body>
        <main class="store-unavailable">
        <h1>{Heading}</h1>
        <p role="alert">Webmail cannot reach its mail store right now; it may be restarting. Mail that was already delivered or saved is safe.</p>
        <p>This page tries again by itself every {RetryAfterSeconds} seconds. <a href="">Try again now</a></p>
        </main>
        </body>
        </html>
        """;

    /// <summary>Early in the pipeline: before sign-in, which reads the store on every request.</summary>
    public static IApplicationBuilder UseStoreUnavailablePage(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next();
        }
        catch (StoreUnavailableException e) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StoreUnavailablePage))
                .LogWarning("{Method} {Path}: the store is unavailable ({Reason}); answered 503", context.Request.Method, context.Request.Path, e.Message);
            context.Response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.CacheControl = "no-store";
            if (context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync(Html, context.RequestAborted);
            }
            else
            {
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("The mail store is unavailable; try again shortly.\n", context.RequestAborted);
            }
        }
    });
}
