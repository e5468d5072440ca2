using Webmail.Storage;

namespace Webmail.Testing;

/// <summary>
/// A trigger in a test's database that makes chosen rows fail (<c>RAISE(ABORT)</c>): the way to break the
/// second half of an action inside the real store and show that nothing of the action is left. Dropped on
/// dispose. The writer's prepared statements see it at once (SQLite re-prepares after a schema change).
/// </summary>
public sealed class RefusingTrigger : IDisposable
{
    /// <summary>The error text the trigger raises; a failure carrying it was this trigger's.</summary>
    public const string Reason = "refused by a test trigger";

    private static int _next;
    private readonly SqliteDatabase _database;
    private readonly string _name;

    private RefusingTrigger(SqliteDatabase database, string name)
    {
        _database = database;
        _name = name;
    }

    /// <summary>Refuses every <paramref name="operation"/> (INSERT, UPDATE or DELETE) on <paramref name="table"/> whose row meets <paramref name="when"/>.</summary>
    /// <param name="when">A condition on <c>NEW</c> (insert, update) or <c>OLD</c> (delete), e.g. <c>OLD.id = 42</c>; it scopes the refusal to the test's own rows.</param>
    public static RefusingTrigger On(SqliteDatabase database, string operation, string table, string when)
    {
        var name = $"test_refuses_{table}_{Interlocked.Increment(ref _next)}";
        Execute(database, $"CREATE TRIGGER {name} BEFORE {operation} ON {table} WHEN {when} BEGIN SELECT RAISE(ABORT, '{Reason}'); END");
        return new RefusingTrigger(database, name);
    }

    public void Dispose() => Execute(_database, $"DROP TRIGGER IF EXISTS {_name}");

    private static void Execute(SqliteDatabase database, string sql)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
