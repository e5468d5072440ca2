using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Webmail.Api;
using Webmail.Core.Accounts;

namespace Webmail.Web.Tests.Api;

/// <summary>
/// Every admin action has a door in the API. An admin action is a public method, taking the audit
/// <c>actor</c>, of a service the admin pages inject; the OpenAPI document names the action each
/// endpoint performs (<c>x-admin-action</c>). A new action on an admin page without an endpoint fails here.
/// </summary>
public sealed class AdminApiContractTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    /// <summary>Admin actions deliberately not in the API, each with its reason.</summary>
    private static readonly Dictionary<string, string> NotInTheApi = new()
    {
        [$"{nameof(ApiTokenService)}.{nameof(ApiTokenService.CreateAsync)}"] = "tokens are made on the admin page, by a signed-in admin: a token cannot mint tokens",
        [$"{nameof(ApiTokenService)}.{nameof(ApiTokenService.RevokeAsync)}"] = "tokens are revoked on the admin page, where they are listed",
    };

    private static IReadOnlySet<string> AdminActions()
    {
        var pages = typeof(AdminApi).Assembly.GetTypes()
            .Where(t => t.Namespace == "Webmail.Components.Admin" && typeof(ComponentBase).IsAssignableFrom(t));
        var services = pages
            .SelectMany(t => t.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(p => p.GetCustomAttribute<InjectAttribute>() is not null && p.PropertyType.IsClass)
            .Select(p => p.PropertyType)
            .ToHashSet();
        return services
            .SelectMany(s => s.GetMethods(BindingFlags.Instance | BindingFlags.Public).Where(m => m.GetParameters().Any(p => p.Name == "actor")).Select(m => $"{s.Name}.{m.Name}"))
            .ToHashSet();
    }

    private async Task<JsonElement> OpenApiAsync()
    {
        var response = await Curl.SendAsync("GET", fixture.Server.BaseUrl + AdminApi.OpenApiPath);
        Assert.True(response.Status == 200, response.ToString());
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
        return response.Json;
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("responses", out _))
                .Select(o => (path.Name, o.Name.ToUpperInvariant(), o.Value)));

    [Fact]
    public async Task EveryAdminActionOfTheAdminPagesHasAnEndpoint()
    {
        var actions = AdminActions();
        // The reflection finds what the pages do: if it found nothing, this test could not fail.
        Assert.Contains("DirectoryService.CreateAccountAsync", actions);
        Assert.Contains("QueueActions.BounceNowAsync", actions);
        Assert.Contains("LiveSettings.SetAsync", actions);

        var document = await OpenApiAsync();
        var inApi = Operations(document)
            .Select(o => o.Operation.TryGetProperty(AdminActionAttribute.OpenApiExtension, out var a) ? a.GetString() : null)
            .OfType<string>()
            .ToHashSet();

        var missing = actions.Where(a => !inApi.Contains(a) && !NotInTheApi.ContainsKey(a)).Order().ToList();
        Assert.True(missing.Count == 0, "Admin actions without an API endpoint: " + string.Join(", ", missing));
        Assert.DoesNotContain(NotInTheApi.Keys, k => !actions.Contains(k));
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesEveryOperationAndEveryChangeNamesItsAction()
    {
        var document = await OpenApiAsync();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Webmail admin API", document.GetProperty("info").GetProperty("title").GetString());
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());

        var operations = Operations(document).ToList();
        Assert.All(operations, o => Assert.StartsWith("/api/v1/", o.Path, StringComparison.Ordinal));
        Assert.Contains(operations, o => o.Path == "/api/v1/accounts/{address}" && o.Method == "PATCH");
        Assert.Contains(operations, o => o.Path == "/api/v1/queue/{id}/bounce" && o.Method == "POST");
        foreach (var (path, method, operation) in operations)
        {
            Assert.True(operation.TryGetProperty("operationId", out _), $"{method} {path} has no operationId");
            if (method != "GET")
                Assert.True(operation.TryGetProperty(AdminActionAttribute.OpenApiExtension, out _), $"{method} {path} does not name the admin action it performs");
        }
        var ids = operations.Select(o => o.Operation.GetProperty("operationId").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
