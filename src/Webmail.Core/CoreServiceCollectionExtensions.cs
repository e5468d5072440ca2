using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webmail.Core.Accounts;
using Webmail.Core.Hosting;
using Webmail.Core.Notifications;
using Webmail.Core.Security;

namespace Webmail.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers what every part shares: the data paths, the credential check and its limiter,
    /// directory operations, the mailbox notifier, the listener registry and the TLS certificate.
    /// Bind <see cref="Configuration.WebmailOptions"/> before calling this.
    /// </summary>
    public static IServiceCollection AddWebmailCore(this IServiceCollection services, string dataDirectory)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new DataPaths(dataDirectory));
        services.AddSingleton<LoginLimiter>();
        services.AddSingleton<Retention.RetentionService>();
        services.AddSingleton<VerifiedPasswordCache>();
        services.AddSingleton<CredentialVerifier>();
        services.AddSingleton<DirectoryService>();
        services.AddSingleton<AppPasswordService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<TwoFactorService>();
        services.AddSingleton<PasskeyService>();
        services.AddSingleton<SenderListService>();
        services.AddSingleton<Filters.SieveScriptService>();
        services.AddSingleton<Filters.FilterRulesService>();
        services.AddSingleton<Filters.ExistingMailFilter>();
        // One node unless the store registers its own (PostgreSQL: several nodes on one database).
        services.TryAddSingleton<Nodes.INodeSignals, Nodes.SingleNodeSignals>();
        services.TryAddSingleton<Nodes.INodeLocks, Nodes.SingleNodeLocks>();
        services.TryAddSingleton<Storage.ILoginBanStore, Storage.ProcessLoginBanStore>();
        services.AddHostedService<SharedLoginBans>();
        services.AddSingleton<MailboxNotifier>();
        services.AddSingleton<ListenerRegistry>();
        services.AddSingleton<CertificateProvider>();
        return services;
    }
}
