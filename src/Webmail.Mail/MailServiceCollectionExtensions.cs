using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Mail.Delivery;
using Webmail.Mail.Dkim;
using Webmail.Mail.Outbound;

namespace Webmail.Mail;

public static class MailServiceCollectionExtensions
{
    /// <summary>Registers the delivery pipeline and the outbound queue worker.</summary>
    public static IServiceCollection AddWebmailMail(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryPipeline>();
        services.AddSingleton<Filters.SieveDelivery>();
        services.AddSingleton<Filters.SrsRewriter>();

        // Outbound queue, routing and DKIM (docs/outbound.md). DNS is replaceable: register an IDnsLookup first to override.
        services.TryAddSingleton<IDnsLookup, DnsClientLookup>();
        services.TryAddKeyedSingleton<IDnsLookup>(DnsClientLookup.Uncached, (sp, _) => new DnsClientLookup(sp.GetRequiredService<IOptions<WebmailOptions>>(), cache: false));
        services.AddSingleton<RouteResolver>();
        services.AddSingleton<SmtpTransmitter>();
        // Recipient domains' MTA-STS policies (RFC 8461, docs/outbound.md).
        services.AddSingleton<Outbound.MtaSts.PkixCertificateCheck>();
        services.AddSingleton<Outbound.MtaSts.MtaStsPolicyFetcher>();
        services.AddSingleton<Outbound.MtaSts.MtaStsPolicyCache>();
        services.AddSingleton<DkimMessageSigner>();
        services.AddSingleton<DkimKeyService>();
        services.AddSingleton<BounceComposer>();
        services.AddSingleton<OutboundQueueService>();
        services.AddHostedService<OutboundQueueWorker>();
        // Who sent it (docs/smtp.md): SPF, DKIM, ARC and DMARC in one Authentication-Results field.
        services.AddSingleton<DkimVerification>();
        services.AddSingleton<Authentication.SenderAuthenticator>();

        // Import and export (docs/webmail.md, Import and export).
        services.AddSingleton<Transfer.MailboxImporter>();
        services.AddSingleton<Transfer.MailboxExporter>();
        return services;
    }
}
