using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;

namespace Webmail.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the SQLite store (one <see cref="SqliteDatabase"/> per process) behind the Core storage interfaces.</summary>
    public static IServiceCollection AddWebmailStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<StoreWriteHealth>();
        services.AddSingleton<SqliteDatabase>();
        // One message store behind each narrow interface: every consumer asks only for what it uses.
        services.AddSingleton<SqliteMessageStore>();
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IMailboxReader>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IMailboxWriter>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IDeliveryStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IMaildropStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IComposeStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IImapStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IImportStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IRetentionStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<IHeldSubmissionStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<SqliteDirectoryStore>();
        services.AddSingleton<IDirectoryStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<IAppPasswordStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<ISieveScriptStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<ITwoFactorStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<IPasskeyStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<IApiTokenStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<ISenderListStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<IMtaStsStore>(sp => sp.GetRequiredService<SqliteDirectoryStore>());
        services.AddSingleton<IOutboundQueueStore, SqliteOutboundQueueStore>();
        services.AddSingleton<IWebSessionStore, SqliteWebSessionStore>();
        services.AddSingleton<SqliteAuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<SqliteAuditLog>());
        services.AddSingleton<IServerStateStore>(sp => sp.GetRequiredService<SqliteAuditLog>());
        services.AddSingleton<ISpamFilterStore, SqliteSpamFilterStore>();
        return services;
    }
}
