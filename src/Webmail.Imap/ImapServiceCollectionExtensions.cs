using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Webmail.Imap;

/// <summary>Registers the IMAP server.</summary>
public static class ImapServiceCollectionExtensions
{
    /// <summary>Adds the IMAP listeners as a hosted service, with the context their sessions share.</summary>
    public static IServiceCollection AddWebmailImap(this IServiceCollection services)
    {
        services.TryAddSingleton<ImapServerContext>();
        services.AddSingleton<ImapHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<ImapHostedService>());
        return services;
    }
}
