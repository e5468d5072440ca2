using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Webmail.Auth;

namespace Webmail.Api;

/// <summary>
/// The admin API under <c>/api/v1</c>: domains, accounts, aliases, queue, DKIM keys and live settings,
/// each endpoint a call to the same service the admin pages and the CLI use (marked with
/// <see cref="AdminActionAttribute"/>), audited as the token's admin. Token authentication
/// (<see cref="ApiTokenAuthenticationHandler"/>), bodies bounded to <see cref="MaxBodyBytes"/>, every
/// error an RFC 9457 problem, and the OpenAPI document at <c>/api/v1/openapi.json</c>.
/// </summary>
public static partial class AdminApi
{
    public const string Prefix = "/api/v1";
    public const string OpenApiPath = Prefix + "/openapi.json";
    /// <summary>The largest request body the API reads (its largest request, an alias with many targets, is far smaller).</summary>
    public const int MaxBodyBytes = 64 * 1024;
    private const string Policy = "AdminApi";

    public static IServiceCollection AddAdminApi(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
            .RequireRole(AccountClaims.AdminRole)
            // The one scope rule: a read-only token reads (GET), a read-write token does everything.
            .RequireAssertion(context => context.Resource is HttpContext http && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                || context.User.HasClaim(ApiTokenAuthenticationHandler.ScopeClaim, "read-write"))));
        services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith(Prefix[1..] + "/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Webmail admin API",
                    Version = "v1",
                    Description = "Domains, accounts, aliases, the outbound queue, DKIM keys and live settings. Send an API token made under Administration → API tokens as Authorization: Bearer <token>; a read-only token may only GET. Errors are RFC 9457 problem details.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "An API token (wm_…)." };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<AdminActionAttribute>().FirstOrDefault() is { } action)
                {
                    operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    operation.Extensions[AdminActionAttribute.OpenApiExtension] = new JsonNodeExtension(JsonValue.Create(action.Action));
                }
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// The API's part of the pipeline, before authentication: an unexpected exception answered as a 500
    /// problem (not the browser's error page), bodies bounded, and bare statuses (unreadable JSON, unknown
    /// routes) written as problems.
    /// </summary>
    public static void UseAdminApi(this WebApplication app) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Prefix), api =>
        {
            api.Use(ApiProblems.CatchUnexpectedAsync);
            api.UseStatusCodePages(ApiProblems.WriteStatusAsync);
            api.Use(BoundBodyAsync);
        });

    /// <summary>
    /// Refuses a body over <see cref="MaxBodyBytes"/> with 413 before anything reads it: by its declared
    /// length, or — sent in chunks — by buffering at most that much.
    /// </summary>
    private static async Task BoundBodyAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes)
        {
            await TooLarge(context);
            return;
        }
        if (request.ContentLength is null && (request.Headers.TransferEncoding.Count > 0))
        {
            request.EnableBuffering(bufferThreshold: MaxBodyBytes, bufferLimit: MaxBodyBytes);
            try
            {
                await request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            }
            catch (IOException)
            {
                // FileBufferingReadStream's limit, or Kestrel's own: either way the body is too large to take.
                await TooLarge(context);
                return;
            }
            request.Body.Position = 0;
        }
        await next(context);

        static Task TooLarge(HttpContext context)
        {
            context.Response.Headers.Connection = "close";
            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBodyBytes / 1024} KB.").ExecuteAsync(context);
        }
    }

    public static void MapAdminApi(this WebApplication app)
    {
        app.MapOpenApi(OpenApiPath).AllowAnonymous();
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(Policy)
            .AddEndpointFilter(ApiProblems.TranslateAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DisableAntiforgery();
        MapDomains(api.MapGroup("/domains").WithTags("Domains"));
        MapAccounts(api.MapGroup("/accounts").WithTags("Accounts"));
        MapAliases(api.MapGroup("/aliases").WithTags("Aliases"));
        MapQueue(api.MapGroup("/queue").WithTags("Queue"));
        MapSettings(api.MapGroup("/settings").WithTags("Settings"));
    }

    /// <summary>The audit actor of the request: the token's admin, naming the token.</summary>
    private static string Actor(HttpContext context) =>
        context.User.FindFirst(ApiTokenAuthenticationHandler.ActorClaim)?.Value ?? throw new InvalidOperationException("The admin API ran without its token identity.");

    /// <summary>Checks the page query of a list: 0-based page, 1 to 500 per page (default 50).</summary>
    private static (int Page, int Size, ApiValidation Check) Paging(int? page, int? pageSize)
    {
        var check = new ApiValidation();
        if (page is < 0)
            check.Add("page", "The page counts from 0.");
        if (pageSize is < 1 or > 500)
            check.Add("pageSize", "The page size must be from 1 to 500.");
        return (page ?? 0, pageSize ?? 50, check);
    }
}
