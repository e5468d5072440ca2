using Microsoft.Extensions.Logging;
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
    /// <summary>
    /// A store over <paramref name="connectionString"/>, with its own health state unless given one. It does not ask for
    /// <c>IOptions&lt;WebmailOptions&gt;</c>: the live settings that post-configure those options are read from this store.
    /// </summary>
    public PostgresDatabase(string connectionString, ILoggerFactory loggerFactory, StoreWriteHealth? health = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (string.IsNullOrEmpty(settings.Password) && Environment.GetEnvironmentVariable(StoreOptions.PasswordVariable) is { Length: > 0 } password)
            settings.Password = password;
        settings.Options = $"{settings.Options} -c synchronous_commit=on".Trim();
        settings.ApplicationName ??= "webmail";
        // The store runs the same few dozen statements over and over: prepared once per connection, PostgreSQL
        // skips their parse and plan (a quarter of its CPU at SMTP ingest). A connection string may set its own.
        if (settings.MaxAutoPrepare == 0)
            settings.MaxAutoPrepare = 128;
        // A connection going back to the pool is not reset (RESET ALL, UNLISTEN, DISCARD, advisory unlocks: five
        // statements, prepended to its next use): the store leaves no session state on pooled connections. Its
        // advisory locks are transaction-level, and LISTEN and the node's session locks have connections of their own.
        settings.NoResetOnClose = true;
        _connectionString = settings.ConnectionString;
        DataSource = builder.Build();
        Health = health ?? new StoreWriteHealth();
        PostgresMigrator.Migrate(DataSource, loggerFactory.CreateLogger<PostgresDatabase>());
    }

    private readonly string _connectionString;

    public NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// A data source for one connection a node keeps open for long (the LISTEN connection, the lock connection):
    /// outside the pool, so it never holds up units of work, with TCP keepalives so a lost server is noticed.
    /// </summary>
    internal NpgsqlDataSource CreateDedicatedSource(string purpose)
    {
        var builder = new NpgsqlConnectionStringBuilder(_connectionString)
        {
            Pooling = false,
            KeepAlive = 10,
            ApplicationName = "webmail-" + purpose,
        };
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>Whether writes fail right now (for <c>/healthz</c>).</summary>
    public StoreWriteHealth Health { get; }

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
