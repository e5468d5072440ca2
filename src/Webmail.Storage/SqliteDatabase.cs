using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;

namespace Webmail.Storage;

/// <summary>
/// The one SQLite file: opens pooled read connections, owns the single <see cref="GroupCommitWriter"/>,
/// and brings the schema up to date on start. WAL journal, foreign keys on, <c>synchronous=FULL</c>.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly Lazy<GroupCommitWriter> _writer;

    public SqliteDatabase(DataPaths paths, ILoggerFactory loggerFactory)
        : this(paths.DatabasePath, loggerFactory)
    {
    }

    public SqliteDatabase(string databasePath, ILoggerFactory loggerFactory)
    {
        DatabasePath = databasePath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            // Busy timeout (seconds): another process (the operator CLI) may hold the write lock briefly.
            DefaultTimeout = 30,
        }.ToString();
        Migrator.Migrate(OpenConnection(), loggerFactory.CreateLogger<SqliteDatabase>());
        _writer = new Lazy<GroupCommitWriter>(() => new GroupCommitWriter(OpenConnection(), loggerFactory.CreateLogger<GroupCommitWriter>()));
    }

    public string DatabasePath { get; }

    /// <summary>The writer every change goes through.</summary>
    public GroupCommitWriter Writer => _writer.Value;

    /// <summary>A pooled connection for reading; dispose it when done.</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer.IsValueCreated)
            await _writer.Value.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
    }
}
