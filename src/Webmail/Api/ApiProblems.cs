using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Api;

/// <summary>
/// Every error of the admin API as an RFC 9457 problem (<c>application/problem+json</c>): a refused
/// admin action by its kind (400 with <c>errors</c> keyed by field, 404, 409), a store that cannot be
/// reached (503), and what the framework answers with a bare status (unreadable JSON, a body too large,
/// an unknown route), through <see cref="WriteStatusAsync"/>.
/// </summary>
internal static class ApiProblems
{
    public static IResult From(DirectoryException e) => e.Problem switch
    {
        DirectoryProblem.NotFound => Problem(StatusCodes.Status404NotFound, e.Message),
        DirectoryProblem.Conflict => Problem(StatusCodes.Status409Conflict, e.Message),
        _ => Validation(e.Field ?? "", e.Message),
    };

    /// <summary>A 400 whose <c>errors</c> holds one message for <paramref name="field"/> (empty: the request as a whole).</summary>
    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: errors.Count == 1 ? errors.First().Value[0] : "Some fields are not valid; see errors.");

    public static ProblemHttpResult Problem(int status, string detail) => TypedResults.Problem(detail: detail, statusCode: status);

    public static ProblemHttpResult Unavailable() =>
        Problem(StatusCodes.Status503ServiceUnavailable, "The store is unavailable for the moment; nothing was changed. Try again shortly.");

    /// <summary>An endpoint filter: a service's refusal becomes its problem, never a 500 or an HTML page.</summary>
    public static async ValueTask<object?> TranslateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (DirectoryException e)
        {
            return From(e);
        }
        catch (StoreUnavailableException e)
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiProblems)).LogWarning(e, "Admin API: the store is unavailable");
            return Unavailable();
        }
        catch (StoreException e)
        {
            return Problem(StatusCodes.Status409Conflict, e.Message);
        }
    }

    /// <summary>
    /// Middleware: an exception nothing else handled becomes a 500 problem whose <c>traceId</c> names the one log
    /// entry (with the exception) that explains it; the exception's text and stack never leave the server.
    /// A client that went away is not an error, and a response already started can only be cut off.
    /// </summary>
    public static async Task CatchUnexpectedAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            var traceId = System.Diagnostics.Activity.Current?.Id ?? context.TraceIdentifier;
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiProblems))
                .LogError(e, "Admin API: {Method} {Path} failed unexpectedly (trace {TraceId})", context.Request.Method, Webmail.Core.Security.LogText.Bound(context.Request.Path.Value ?? ""), traceId);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }
            context.Response.Clear();
            await TypedResults.Problem(
                detail: "An unexpected error stopped this request; whether it changed anything is not known. The server's log names it by this traceId.",
                statusCode: StatusCodes.Status500InternalServerError,
                extensions: new Dictionary<string, object?> { ["traceId"] = traceId }).ExecuteAsync(context);
        }
    }

    /// <summary>
    /// Writes the problem for a response the framework ended with a status and no body (status code pages):
    /// a JSON body that could not be read, a wrong content type, an unknown route or method.
    /// </summary>
    public static Task WriteStatusAsync(StatusCodeContext context)
    {
        var status = context.HttpContext.Response.StatusCode;
        var detail = status switch
        {
            StatusCodes.Status400BadRequest => "The request could not be read: send JSON of the shape /api/v1/openapi.json documents for this operation.",
            StatusCodes.Status404NotFound => "There is no such operation; /api/v1/openapi.json lists them.",
            StatusCodes.Status405MethodNotAllowed => "This method is not allowed here; /api/v1/openapi.json lists the operations.",
            StatusCodes.Status413PayloadTooLarge => $"The request body is larger than {AdminApi.MaxBodyBytes / 1024} KB.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
            _ => null,
        };
        return Problem(status, detail ?? "The request failed.").ExecuteAsync(context.HttpContext);
    }
}

/// <summary>Collects per-field errors of one request; the API's own checks (a field that is required) before a service is called.</summary>
internal sealed class ApiValidation
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    /// <summary>The value, or an error for <paramref name="field"/> when it is missing.</summary>
    public T Required<T>(T? value, string field) where T : class
    {
        if (value is null)
            _errors[field] = [$"The field {field} is required."];
        return value!;
    }

    public void Add(string field, string message) => _errors[field] = [message];

    /// <summary>The 400 to answer, or null when every field was right.</summary>
    public ValidationProblem? Problem => _errors.Count == 0 ? null : ApiProblems.Validation(_errors);
}
