using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// The one SQLite file: opens pooled read connections, owns the single <see cref="GroupCommitWriter"/>,
/// and brings the schema up to date on start. WAL journal, foreign keys on, <c>synchronous=FULL</c>.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _readConnectionString;
    private readonly Lazy<GroupCommitWriter> _writer;

    /// <summary>
    /// SQLite in multi-thread mode: a connection is only ever used by one caller at a time (the pool
    /// hands each out whole; the writer owns its own), so the serialized mode's mutex on every call
    /// (two locks per column of every row read) buys nothing. Takes effect only before SQLite's
    /// first use in the process; the result is ignored (a process that used SQLite earlier keeps serialized mode).
    /// </summary>
    static SqliteDatabase()
    {
        SQLitePCL.Batteries_V2.Init();
        SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MULTITHREAD);
    }

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
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Busy timeout (seconds): another process (the operator CLI) may hold the write lock briefly.
            DefaultTimeout = 30,
        };
        // Readers have a pool of their own without the foreign-key setting: it is a PRAGMA run on every
        // open of a pooled connection, and reading needs none (an IMAP client's FETCH of one message
        // opened two).
        _readConnectionString = connectionString.ToString();
        connectionString.ForeignKeys = true;
        _connectionString = connectionString.ToString();
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

    /// <summary>A pooled connection; dispose it when done. Store code reads through <see cref="ReadAsync{T}"/> instead.</summary>
    public SqliteConnection OpenConnection() => Open(_connectionString);

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
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

    /// <summary>
    /// Runs <paramref name="read"/> on a pooled connection and returns the connection to the pool. Readers
    /// never wait for the writer (WAL).
    /// </summary>
    /// <exception cref="StoreUnavailableException">SQLite failed (the file unreadable or corrupt, an I/O error, a lock held past the busy timeout), as the writer reports a failed commit.</exception>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            using var connection = Open(_readConnectionString);
            return await read(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteFailure.OnRead(e);
        }
    }

    /// <summary>Runs one parameterised query through <see cref="ReadAsync{T}"/> and reads every row with <paramref name="read"/>.</summary>
    /// <exception cref="StoreUnavailableException">SQLite failed, as in <see cref="ReadAsync{T}"/>.</exception>
    internal Task<List<T>> QueryAsync<T>(string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
                command.With(name, value);
            var list = new List<T>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (reader.Read())
                list.Add(read(reader));
            return list;
        }, cancellationToken);

    /// <summary>A pooled connection for a reader that keeps it open (<see cref="RawMessageReader"/>); the caller disposes it.</summary>
    /// <exception cref="StoreUnavailableException">The connection could not be opened.</exception>
    internal SqliteConnection OpenReadConnection()
    {
        try
        {
            return Open(_readConnectionString);
        }
        catch (SqliteException e)
        {
            throw SqliteFailure.OnRead(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer.IsValueCreated)
            await _writer.Value.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
    }
}
