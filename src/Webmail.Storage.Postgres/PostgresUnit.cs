using System.Data;
using Microsoft.Extensions.Logging;
using Npgsql;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// One unit of work: one transaction on a pooled connection, with hooks that run once it commits. A write is
/// acknowledged (its task completes) only after <c>COMMIT</c> returns, which with <c>synchronous_commit=on</c>
/// means the WAL is flushed; concurrent units share flushes through PostgreSQL's own group commit.
/// </summary>
public sealed class PostgresUnit
{
    private readonly List<Action> _afterCommit = [];

    internal PostgresUnit(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        CancellationToken = cancellationToken;
    }

    internal NpgsqlConnection Connection { get; }
    internal NpgsqlTransaction? Transaction { get; }
    internal CancellationToken CancellationToken { get; }

    /// <summary>A statement inside the unit's transaction; bind with <see cref="PostgresStatement.With"/>, run once.</summary>
    public PostgresStatement Sql(string sql) => new(new NpgsqlCommand(sql, Connection, Transaction), CancellationToken);

    /// <summary>Runs <paramref name="action"/> after the commit succeeds (never if the unit rolls back).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    internal void RunAfterCommit(ILogger logger)
    {
        foreach (var action in _afterCommit)
        {
            try { action(); }
            catch (Exception e) when (e is not OutOfMemoryException) { logger.LogWarning(e, "After-commit action failed"); }
        }
    }
}

/// <summary>A parameterised command run once (<c>@name</c> placeholders); disposed after it ran.</summary>
public readonly struct PostgresStatement(NpgsqlCommand command, CancellationToken cancellationToken)
{
    /// <summary>Binds <c>@<paramref name="name"/></c>; null binds SQL NULL.</summary>
    public PostgresStatement With(string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return this;
    }

    /// <summary>The first column of the first row, or null when there is no row or it is NULL.</summary>
    public async Task<object?> ScalarAsync()
    {
        await using (command.ConfigureAwait(false))
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DBNull ? null : value;
        }
    }

    /// <summary>The first column of the first row as a number; 0 when there is none.</summary>
    public async Task<long> LongAsync() => Convert.ToInt64(await ScalarAsync().ConfigureAwait(false) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The first column of the first row as a number, or null when there is no row.</summary>
    public async Task<long?> LongOrNullAsync() =>
        await ScalarAsync().ConfigureAwait(false) is { } value ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Runs the statement; returns the rows it changed.</summary>
    public async Task<int> ExecuteAsync()
    {
        await using (command.ConfigureAwait(false))
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads every row with <paramref name="read"/>.</summary>
    public async Task<List<T>> ListAsync<T>(Func<NpgsqlDataReader, T> read)
    {
        await using (command.ConfigureAwait(false))
        {
            var list = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                list.Add(read(reader));
            return list;
        }
    }

    /// <summary>Reads the first row with <paramref name="read"/>, or default when there is none.</summary>
    public async Task<T?> FirstAsync<T>(Func<NpgsqlDataReader, T> read)
    {
        await using (command.ConfigureAwait(false))
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? read(reader) : default;
        }
    }
}

/// <summary>How PostgreSQL's errors reach callers: nothing outside this project names an Npgsql type.</summary>
internal static class PostgresFailure
{
    /// <summary>Serialization failure or deadlock: the whole unit may run again.</summary>
    public static bool IsRetryable(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    /// <summary>A unique index refused the row (two writers raced for the same name).</summary>
    public static bool IsDuplicate(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>The server cannot take the write now (down, restarting, out of space, read-only standby) rather than a unit's own error.</summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || p.SqlState.StartsWith("53", StringComparison.Ordinal) // insufficient resources (53100 disk full)
            || p.SqlState.StartsWith("57", StringComparison.Ordinal) // operator intervention (shutdown, cancel)
            || p.SqlState.StartsWith("58", StringComparison.Ordinal) // system error (I/O)
            || p.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction // a standby after failover
            || IsRetryable(p),
        NpgsqlException => true, // the socket, a timeout, the pool exhausted
        TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// The connection itself was lost (the server restarted, a failover, the socket closed) rather than the statement
    /// failing: a pooled connection left over from before a restart fails this way on its first use.
    /// </summary>
    public static bool IsConnectionLost(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown,
        NpgsqlException => true,
        _ => false,
    };

    public static bool IsFull(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.DiskFull or PostgresErrorCodes.OutOfMemory };

    public static StoreUnavailableException OnRead(Exception e) => new("The mail store could not be read: " + e.Message, e, IsFull(e));

    public static StoreUnavailableException OnWrite(Exception e) => new("The mail store could not commit: " + e.Message, e, IsFull(e));
}

/// <summary>Runs units of work and reads on the database's pooled connections, mapping failures to the store's exceptions.</summary>
internal static class PostgresUnits
{
    /// <summary>Attempts of a unit that lost a deadlock or a serialization conflict before it fails as unavailable.</summary>
    private const int Attempts = 5;

    /// <summary>
    /// Runs <paramref name="work"/> in its own transaction and returns its result once committed. A unit that loses a
    /// deadlock (two moves between the same folders in opposite directions) runs again from the start.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The server is down, out of space or read-only, or the commit failed.</exception>
    /// <exception cref="StoreException">The unit refused the request, or a unique index refused a duplicate a concurrent writer created first.</exception>
    public static async Task<T> WriteAsync<T>(PostgresDatabase database, ILogger logger, Func<PostgresUnit, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            PostgresUnit unit;
            T result;
            var committing = false;
            try
            {
                await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
                unit = new PostgresUnit(connection, transaction, cancellationToken);
                result = await work(unit).ConfigureAwait(false);
                // Not cancellable: once COMMIT is sent, the caller must learn whether it took.
                committing = true;
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (PostgresFailure.IsRetryable(e) && attempt < Attempts)
            {
                logger.LogDebug(e, "Unit of work lost a conflict (attempt {Attempt}); running it again", attempt);
                continue;
            }
            catch (Exception e) when (!committing && attempt == 1 && PostgresFailure.IsConnectionLost(e))
            {
                // Lost before COMMIT was sent, so nothing of it took: most likely a pooled connection from before a
                // server restart. Drop the pool's other idle ones (they are as dead) and run the unit once more.
                logger.LogDebug(e, "Unit of work lost its connection before the commit; running it again on a new one");
                database.DataSource.Clear();
                continue;
            }
            catch (Exception e) when (PostgresFailure.IsDuplicate(e))
            {
                throw new StoreException("That name is already taken: " + ((PostgresException)e).ConstraintName);
            }
            catch (Exception e) when (e is not OperationCanceledException && PostgresFailure.IsUnavailable(e))
            {
                logger.LogError(e, "Unit of work failed");
                database.Health.ReportFailing(e.Message, DateTimeOffset.UtcNow);
                throw PostgresFailure.OnWrite(e);
            }
            database.Health.ReportRecovered();
            // Announced before the caller resumes, as on SQLite: once a write returns, every session knows of it.
            unit.RunAfterCommit(logger);
            return result;
        }
    }

    public static Task WriteAsync(PostgresDatabase database, ILogger logger, Func<PostgresUnit, Task> work, CancellationToken cancellationToken) =>
        WriteAsync<bool>(database, logger, async unit => { await work(unit).ConfigureAwait(false); return true; }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="read"/> on a pooled connection. With <paramref name="snapshot"/> it runs in one
    /// REPEATABLE READ transaction, so everything it reads describes the same instant.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The server could not be reached or failed.</exception>
    public static async Task<T> ReadAsync<T>(PostgresDatabase database, Func<PostgresUnit, Task<T>> read, CancellationToken cancellationToken, bool snapshot = false)
    {
        try
        {
            return await ReadOnceAsync(database, read, cancellationToken, snapshot).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && PostgresFailure.IsConnectionLost(e))
        {
            // A pooled connection from before a server restart: drop the pool's idle ones and read once more.
            database.DataSource.Clear();
        }
        catch (Exception e) when (e is not OperationCanceledException && PostgresFailure.IsUnavailable(e))
        {
            // The server answered but cannot serve (shutting down, starting up, out of resources): no second try.
            throw PostgresFailure.OnRead(e);
        }
        try
        {
            return await ReadOnceAsync(database, read, cancellationToken, snapshot).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && PostgresFailure.IsUnavailable(e))
        {
            throw PostgresFailure.OnRead(e);
        }
    }

    private static async Task<T> ReadOnceAsync<T>(PostgresDatabase database, Func<PostgresUnit, Task<T>> read, CancellationToken cancellationToken, bool snapshot)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!snapshot)
            return await read(new PostgresUnit(connection, null, cancellationToken)).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var result = await read(new PostgresUnit(connection, transaction, cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return result;
    }
}
