using Webmail.Core;
using Webmail.Core.Configuration;
using Webmail.Mail;
using Webmail.Mail.Spam;
using Webmail.Storage;
using Webmail.Storage.Postgres;

namespace Webmail.Hosting;

/// <summary>The services the server and the operator CLI share: configuration, core, store and mail.</summary>
public static class WebmailServices
{
    public static IServiceCollection AddWebmailBase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var section = configuration.GetSection(WebmailOptions.SectionName);
        services.Configure<WebmailOptions>(section);
        var options = section.Get<WebmailOptions>() ?? new WebmailOptions();
        services.AddWebmailCore(options.ResolveDataDirectory(contentRoot));
        options.Store.Validate();
        if (options.Store.IsPostgres)
            services.AddWebmailPostgresStorage(options.Store.ConnectionString);
        else
            services.AddWebmailStorage();
        services.AddWebmailMail();
        services.AddWebmailSpamFilter(options.Spam);
        return services;
    }
}
