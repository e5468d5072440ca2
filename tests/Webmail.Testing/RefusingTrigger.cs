using Microsoft.Extensions.DependencyInjection;
using Webmail.Storage;
using Webmail.Storage.Postgres;

namespace Webmail.Testing;

/// <summary>
/// A trigger in a test's database that makes chosen rows fail (<c>RAISE(ABORT)</c>): the way to break the
/// second half of an action inside the real store and show that nothing of the action is left. Dropped on
/// dispose. The writer's prepared statements see it at once (SQLite re-prepares after a schema change). On PostgreSQL it
/// is a plpgsql trigger function that raises the same text.
/// </summary>
public sealed class RefusingTrigger : IDisposable
{
    /// <summary>The error text the trigger raises; a failure carrying it was this trigger's.</summary>
    public const string Reason = "refused by a test trigger";

    private static int _next;
    private readonly Action _drop;

    private RefusingTrigger(Action drop) => _drop = drop;

    /// <summary>Refuses every <paramref name="operation"/> (INSERT, UPDATE or DELETE) on <paramref name="table"/> whose row meets <paramref name="when"/>.</summary>
    /// <param name="when">A condition on <c>NEW</c> (insert, update) or <c>OLD</c> (delete), e.g. <c>OLD.id = 42</c>; it scopes the refusal to the test's own rows.</param>
    public static RefusingTrigger On(SqliteDatabase database, string operation, string table, string when)
    {
        var name = $"test_refuses_{table}_{Interlocked.Increment(ref _next)}";
        Execute(database, $"CREATE TRIGGER {name} BEFORE {operation} ON {table} WHEN {when} BEGIN SELECT RAISE(ABORT, '{Reason}'); END");
        return new RefusingTrigger(() => Execute(database, $"DROP TRIGGER IF EXISTS {name}"));
    }

    /// <summary>The same in the test store's own database, SQLite or PostgreSQL.</summary>
    public static RefusingTrigger On(TestStore store, string operation, string table, string when) =>
        store.Provider == StoreProvider.Postgres
            ? On(store.Services.GetRequiredService<PostgresDatabase>(), operation, table, when)
            : On(store.Database, operation, table, when);

    /// <summary>The same in a whole test server's database, SQLite or PostgreSQL.</summary>
    public static RefusingTrigger On(TestServer server, string operation, string table, string when) =>
        server.Provider == StoreProvider.Postgres
            ? On(server.Services.GetRequiredService<PostgresDatabase>(), operation, table, when)
            : On(server.Services.GetRequiredService<SqliteDatabase>(), operation, table, when);

    /// <inheritdoc cref="On(SqliteDatabase, string, string, string)"/>
    public static RefusingTrigger On(PostgresDatabase database, string operation, string table, string when)
    {
        var name = $"test_refuses_{table}_{Interlocked.Increment(ref _next)}";
        Execute(database, $"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{Reason}'; END $$; " +
            $"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {name}()");
        return new RefusingTrigger(() => Execute(database, $"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}()"));
    }

    public void Dispose() => _drop();

    private static void Execute(SqliteDatabase database, string sql)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Execute(PostgresDatabase database, string sql)
    {
        using var connection = database.DataSource.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
