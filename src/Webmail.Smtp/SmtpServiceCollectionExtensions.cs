using Microsoft.Extensions.DependencyInjection;

namespace Webmail.Smtp;

public static class SmtpServiceCollectionExtensions
{
    /// <summary>Registers the inbound and submission SMTP listeners as hosted services.</summary>
    public static IServiceCollection AddWebmailSmtp(this IServiceCollection services)
    {
        services.AddHostedService<SmtpListenerService>();
        return services;
    }
}
