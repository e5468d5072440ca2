using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webmail.Core.Configuration;
using Webmail.Mail.Delivery;

namespace Webmail.Mail.Spam;

public static class SpamServiceCollectionExtensions
{
    /// <summary>
    /// The filter counts always; with <c>Webmail:Spam:RspamdUrl</c> set, the rspamd scanner the pipeline calls
    /// (<see cref="IContentScanner"/>) and the trainer that teaches it from users' moves in and out of Junk.
    /// </summary>
    public static IServiceCollection AddWebmailSpamFilter(this IServiceCollection services, SpamOptions options)
    {
        services.TryAddSingleton<IInboundFilterCounter, StoreInboundFilterCounter>();
        services.AddSingleton<DnsBlocklist>();
        if (string.IsNullOrWhiteSpace(options.RspamdUrl))
            return services;
        if (!Uri.TryCreate(options.RspamdUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new FormatException($"Webmail:Spam:RspamdUrl: '{options.RspamdUrl}' is not an http:// or https:// URL.");
        services.AddSingleton<RspamdClient>();
        services.AddSingleton<IContentScanner, RspamdScanner>();
        services.AddHostedService<SpamTrainer>();
        return services;
    }
}
