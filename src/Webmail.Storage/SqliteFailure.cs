using Microsoft.Data.Sqlite;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>How a SQLite error reaches callers: as <see cref="StoreUnavailableException"/>, so nothing outside this project names a SQLite type.</summary>
internal static class SqliteFailure
{
    /// <summary>The disk or the database is full.</summary>
    public static bool IsFull(Exception e) => e is SqliteException { SqliteErrorCode: 13 /* SQLITE_FULL */ };

    /// <summary>The file could not be written now (full, I/O error, locked, read-only) rather than a unit's own bug.</summary>
    public static bool IsDiskProblem(SqliteException e) =>
        e.SqliteErrorCode is 13 /* SQLITE_FULL */ or 10 /* SQLITE_IOERR */ or 5 /* SQLITE_BUSY */ or 6 /* SQLITE_LOCKED */ or 8 /* SQLITE_READONLY */;

    /// <summary>A read that failed: the file is unreadable, corrupt, or locked past the busy timeout.</summary>
    public static StoreUnavailableException OnRead(SqliteException e) =>
        new("The mail store could not be read: " + e.Message, e, IsFull(e));
}
