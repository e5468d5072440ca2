using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Webmail.Core.Hosting;

namespace Webmail.Storage.Postgres;

public static class PostgresStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the PostgreSQL store (one <see cref="PostgresDatabase"/> per process, from <c>Webmail:Store</c>)
    /// behind the Core storage interfaces, as <c>AddWebmailStorage</c> does for SQLite.
    /// </summary>
    public static IServiceCollection AddWebmailPostgresStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<StoreWriteHealth>();
        services.AddSingleton<PostgresDatabase>();
        // The stores, one per SQLite counterpart (directory side, then message side).
        return services;
    }
}
