using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Webmail.ManageSieve;

/// <summary>Registers the ManageSieve server.</summary>
public static class ManageSieveServiceCollectionExtensions
{
    /// <summary>Adds the ManageSieve listener as a hosted service, with the context its sessions share. Needs the core and store services.</summary>
    public static IServiceCollection AddWebmailManageSieve(this IServiceCollection services)
    {
        services.TryAddSingleton<ManageSieveServerContext>();
        services.AddSingleton<ManageSieveHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<ManageSieveHostedService>());
        return services;
    }
}
