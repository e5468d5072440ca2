using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// The one SQLite file: keeps read connections for reuse, owns the single <see cref="GroupCommitWriter"/>,
/// and brings the schema up to date on start. WAL journal, foreign keys on, <c>synchronous=FULL</c>.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite's connection pool is not used. When it needs a connection and has none idle, it takes back
/// connections it believes leaked: active, with no <see cref="SqliteConnection"/> owning them. A connection another
/// thread is just handing out is such a one for a moment (marked active before its owner is set), so the pool gave
/// it to a second caller while the first used it. Two threads on one connection break SQLite's contract (in
/// multi-thread mode there is no mutex to save it): the connection's view of the file was garbage, and every later
/// read on it failed with "file is not a database" — 100 SMTP commands answered 451 in
/// <c>ConcurrencyTests</c> (docs/benchmarks-changes.md, session 26). This store's own reuse hands a connection to
/// one caller at a time by construction.
/// </remarks>
public sealed class SqliteDatabase : IAsyncDisposable
{
    /// <summary>Idle read connections kept open (schema parsed, page cache warm); more are opened under load and closed after.</summary>
    internal const int MaxIdleReaders = 32;

    private readonly string _connectionString;
    private readonly string _readConnectionString;
    private readonly Lazy<GroupCommitWriter> _writer;
    private readonly ConcurrentStack<SqliteConnection> _idleReaders = new();
    private int _idleSlots; // taken before a push, given back after a pop: the stack never holds more than the cap
    private volatile bool _disposed;

    /// <summary>
    /// SQLite in multi-thread mode: a connection is only ever used by one caller at a time (a read
    /// connection is handed out whole, see the remarks above; the writer owns its own), so the serialized mode's mutex on every call
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
            Pooling = false,
            // Busy timeout (seconds): another process (the operator CLI) may hold the write lock briefly.
            DefaultTimeout = 30,
        };
        // Readers open without the foreign-key setting: it is a PRAGMA run on every open, and reading needs none.
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

    /// <summary>A new connection of its own; dispose it when done. Store code reads through <see cref="ReadAsync{T}"/> instead.</summary>
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
        var connection = OpenReadConnection();
        try
        {
            var result = await read(connection, cancellationToken).ConfigureAwait(false);
            ReturnReadConnection(connection);
            return result;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw SqliteFailure.OnRead(e);
        }
        catch
        {
            // Cancelled or failed halfway: what the connection holds is unknown, so it is not reused.
            connection.Dispose();
            throw;
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

    /// <summary>
    /// A read connection for one caller: an idle one, or a new one. Give it back with <see cref="ReturnReadConnection"/>
    /// once every command and blob on it is disposed, or dispose it.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The connection could not be opened.</exception>
    internal SqliteConnection OpenReadConnection()
    {
        if (_idleReaders.TryPop(out var idle))
        {
            Interlocked.Decrement(ref _idleSlots);
            return idle;
        }
        try
        {
            return Open(_readConnectionString);
        }
        catch (SqliteException e)
        {
            throw SqliteFailure.OnRead(e);
        }
    }

    /// <summary>Keeps <paramref name="connection"/> for the next reader, unless it is inside a transaction (then it is closed) or enough are idle.</summary>
    internal void ReturnReadConnection(SqliteConnection connection)
    {
        // A transaction left open would hold its snapshot for the next reader: that connection is closed instead.
        if (_disposed || connection.State != System.Data.ConnectionState.Open || SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
        {
            connection.Dispose();
            return;
        }
        if (Interlocked.Increment(ref _idleSlots) > MaxIdleReaders)
        {
            Interlocked.Decrement(ref _idleSlots);
            connection.Dispose();
            return;
        }
        _idleReaders.Push(connection);
        if (_disposed)
            CloseIdleReaders();
    }

    /// <summary>Read connections kept open for the next reader now (for tests).</summary>
    internal int IdleReadConnections => _idleReaders.Count;

    private void CloseIdleReaders()
    {
        while (_idleReaders.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _idleSlots);
            connection.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        CloseIdleReaders();
        if (_writer.IsValueCreated)
            await _writer.Value.DisposeAsync().ConfigureAwait(false);
    }
}
