using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// Registers the admin UI's services and the live-settings overlay on <see cref="WebmailOptions"/>.
    /// Call before the SMTP and POP3 listeners are added, so stored settings load before they start.
    /// </summary>
    public static IServiceCollection AddWebmailAdmin(this IServiceCollection services)
    {
        services.AddSingleton<LiveSettings>();
        services.AddSingleton<IPostConfigureOptions<WebmailOptions>>(sp => sp.GetRequiredService<LiveSettings>());
        services.AddSingleton<IOptionsChangeTokenSource<WebmailOptions>>(sp => sp.GetRequiredService<LiveSettings>());
        services.AddHostedService<LiveSettingsLoader>();
        services.AddSingleton<DashboardService>();
        services.AddSingleton<QueueActions>();
        services.AddSingleton<SecondFactorReset>();
        services.AddSingleton<DomainDnsRecords>();
        services.AddSingleton<DomainDnsCheck>();
        services.AddSingleton<MtaStsPolicies>();
        services.AddScoped<AdminGate>();
        return services;
    }
}
