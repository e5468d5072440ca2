using Microsoft.Extensions.DependencyInjection;
using Webmail.Mail.Delivery;

namespace Webmail.Mail;

public static class MailServiceCollectionExtensions
{
    /// <summary>Registers the delivery pipeline and the outbound queue worker.</summary>
    public static IServiceCollection AddWebmailMail(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryPipeline>();
        return services;
    }
}
