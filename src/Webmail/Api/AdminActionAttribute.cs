using System.Reflection;

namespace Webmail.Api;

/// <summary>
/// Names the admin action (a service method that takes the audit <c>actor</c>) an API endpoint performs.
/// The OpenAPI document carries it as <c>x-admin-action</c>, and a contract test checks every admin
/// action the admin pages can reach has an endpoint.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class AdminActionAttribute : Attribute
{
    public AdminActionAttribute(Type service, string method)
    {
        if (service.GetMethod(method, BindingFlags.Public | BindingFlags.Instance) is null)
            throw new ArgumentException($"{service.Name} has no public method {method}.", nameof(method));
        Action = $"{service.Name}.{method}";
    }

    /// <summary><c>Service.Method</c>, e.g. <c>DirectoryService.AddDomainAsync</c>.</summary>
    public string Action { get; }

    public const string OpenApiExtension = "x-admin-action";
}

internal static class AdminActionExtensions
{
    /// <summary>Marks the endpoint as the API's door to <typeparamref name="TService"/>.<paramref name="method"/>.</summary>
    public static RouteHandlerBuilder Performs<TService>(this RouteHandlerBuilder builder, string method) =>
        builder.WithMetadata(new AdminActionAttribute(typeof(TService), method));
}
