using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Core.Nodes;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

public static class PostgresStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the PostgreSQL store (one <see cref="PostgresDatabase"/> per process over <paramref name="connectionString"/>,
    /// <c>Webmail:Store:ConnectionString</c>) behind the Core storage interfaces, as <c>AddWebmailStorage</c> does for SQLite.
    /// </summary>
    public static IServiceCollection AddWebmailPostgresStorage(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton<StoreWriteHealth>();
        services.AddSingleton(sp => new PostgresDatabase(connectionString, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<StoreWriteHealth>()));
        // The directory side: one directory store behind each of its interfaces, as on SQLite.
        services.AddSingleton<PostgresDirectoryStore>();
        services.AddSingleton<IDirectoryStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<IAppPasswordStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<ISieveScriptStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<ITwoFactorStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<IPasskeyStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<IApiTokenStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<ISenderListStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<IMtaStsStore>(sp => sp.GetRequiredService<PostgresDirectoryStore>());
        services.AddSingleton<IWebSessionStore, PostgresWebSessionStore>();
        services.AddSingleton<PostgresAuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<PostgresAuditLog>());
        services.AddSingleton<IServerStateStore>(sp => sp.GetRequiredService<PostgresAuditLog>());
        services.AddSingleton<ISpamFilterStore, PostgresSpamFilterStore>();
        services.AddSingleton<IOutboundQueueStore, PostgresOutboundQueueStore>();

        // Several nodes on this database: signals by LISTEN/NOTIFY (the listener runs as a hosted service in the
        // server; a CLI process only sends), locks as advisory locks on one connection per node.
        services.AddSingleton<PostgresNodeSignals>();
        services.Replace(ServiceDescriptor.Singleton<INodeSignals>(sp => sp.GetRequiredService<PostgresNodeSignals>()));
        services.AddHostedService(sp => sp.GetRequiredService<PostgresNodeSignals>());
        services.AddSingleton<PostgresNodeState>();
        services.Replace(ServiceDescriptor.Singleton<ILoginBanStore>(sp => sp.GetRequiredService<PostgresNodeState>()));
        services.AddSingleton<IDataProtectionKeyStore>(sp => sp.GetRequiredService<PostgresNodeState>());
        services.AddSingleton<PostgresNodeLocks>();
        services.Replace(ServiceDescriptor.Singleton<INodeLocks>(sp => sp.GetRequiredService<PostgresNodeLocks>()));

        // The stores, one per SQLite counterpart (directory side, then message side).
        // The message store: one instance behind each narrow interface, as on SQLite.
        services.AddSingleton<PostgresMessageStore>();
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IMailboxReader>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IMailboxWriter>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IDeliveryStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IMaildropStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IComposeStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IImapStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IImportStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IRetentionStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        services.AddSingleton<IHeldSubmissionStore>(sp => sp.GetRequiredService<PostgresMessageStore>());
        return services;
    }
}
