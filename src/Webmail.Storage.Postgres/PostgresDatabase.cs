using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Webmail.Core.Configuration;
using Webmail.Core.Hosting;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The PostgreSQL store's database: one pooled <see cref="NpgsqlDataSource"/> for the process, the schema brought
/// up to date on start. Every connection commits with <c>synchronous_commit=on</c>, so a commit that returned is on
/// the server's disk (and on a synchronous standby where one is configured) before anything is acknowledged.
/// Each unit of work is one transaction; PostgreSQL's own group commit shares the WAL flushes of concurrent ones.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The server's and the CLI's store, from <c>Webmail:Store</c>.</summary>
    public PostgresDatabase(IOptions<WebmailOptions> options, ILoggerFactory loggerFactory, StoreWriteHealth health)
        : this(options.Value.Store.ConnectionString, loggerFactory, health)
    {
    }

    /// <summary>A store over <paramref name="connectionString"/> (tests, tools), with its own health state unless given one.</summary>
    public PostgresDatabase(string connectionString, ILoggerFactory loggerFactory, StoreWriteHealth? health = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (string.IsNullOrEmpty(settings.Password) && Environment.GetEnvironmentVariable(StoreOptions.PasswordVariable) is { Length: > 0 } password)
            settings.Password = password;
        settings.Options = $"{settings.Options} -c synchronous_commit=on".Trim();
        settings.ApplicationName ??= "webmail";
        DataSource = builder.Build();
        Health = health ?? new StoreWriteHealth();
        PostgresMigrator.Migrate(DataSource, loggerFactory.CreateLogger<PostgresDatabase>());
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Whether writes fail right now (for <c>/healthz</c>).</summary>
    public StoreWriteHealth Health { get; }

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
