using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webmail.Core.Hosting;
using Webmail.Pop3.Net;
using Webmail.Pop3.Protocol;

namespace Webmail.Pop3;

public static class Pop3ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the POP3 listeners as a hosted service, with what their sessions share (maildrop
    /// locks, per-IP connection counts). Needs the core and store services.
    /// </summary>
    public static IServiceCollection AddWebmailPop3(this IServiceCollection services)
    {
        services.TryAddSingleton<MaildropLocks>();
        services.TryAddSingleton<ConnectionCounter>();
        services.TryAddSingleton<Pop3ServerContext>();
        services.AddSingleton<Pop3HostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<Pop3HostedService>());
        return services;
    }
}
