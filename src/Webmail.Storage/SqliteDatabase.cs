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

    /// <summary>The server's and the CLI's store: tightens the data directory's permissions first, then opens it.</summary>
    public SqliteDatabase(DataPaths paths, ILoggerFactory loggerFactory, StoreWriteHealth health, TimeProvider time)
        : this(paths.DatabasePath, loggerFactory, health, time, tightenDirectory: true)
    {
    }

    /// <summary>A store over <paramref name="databasePath"/> alone (tests, tools), with its own health state.</summary>
    public SqliteDatabase(string databasePath, ILoggerFactory loggerFactory)
        : this(databasePath, loggerFactory, new StoreWriteHealth(), TimeProvider.System, tightenDirectory: false)
    {
    }

    private SqliteDatabase(string databasePath, ILoggerFactory loggerFactory, StoreWriteHealth health, TimeProvider time, bool tightenDirectory)
    {
        DatabasePath = databasePath;
        var logger = loggerFactory.CreateLogger<SqliteDatabase>();
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        if (tightenDirectory)
            DataDirectoryPermissions.Tighten(directory, logger);
        CreatePrivateFile(databasePath);
        Health = health;
        SpaceGuard = new DiskSpaceGuard(directory, DiskSpaceGuard.DefaultReserveBytes, health, loggerFactory.CreateLogger<DiskSpaceGuard>(), time);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            // Busy timeout (seconds): another process (the operator CLI) may hold the write lock briefly.
            DefaultTimeout = 30,
        }.ToString();
        Migrator.Migrate(OpenConnection(), logger);
        SpaceGuard.EnsureReserve();
        _writer = new Lazy<GroupCommitWriter>(() => new GroupCommitWriter(OpenConnection(), SpaceGuard, loggerFactory.CreateLogger<GroupCommitWriter>()));
    }

    public string DatabasePath { get; }

    /// <summary>Whether writes fail right now (for <c>/healthz</c>).</summary>
    public StoreWriteHealth Health { get; }

    /// <summary>The space reserve and low-space mode (a full disk).</summary>
    public DiskSpaceGuard SpaceGuard { get; }

    /// <summary>The writer every change goes through.</summary>
    public GroupCommitWriter Writer => _writer.Value;

    /// <summary>A pooled connection for reading; dispose it when done.</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Creates the database file owner-only (0600) before SQLite opens it: SQLite would create it
    /// 0644, and it gives the -wal and -shm files the database file's mode.
    /// </summary>
    private static void CreatePrivateFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
            return;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = DataDirectoryPermissions.FileMode };
            using var file = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process (the CLI) created it a moment ago.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer.IsValueCreated)
            await _writer.Value.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
    }
}
