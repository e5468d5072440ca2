using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webmail.Storage.Postgres;

/// <summary>
/// Forward-only numbered migrations for PostgreSQL (<c>Migrations/NNNN_name.sql</c>, embedded), each in its own
/// transaction and recorded in <c>schema_migrations</c>. Nodes starting at once take turns on an advisory lock,
/// so each migration runs once.
/// </summary>
public static class PostgresMigrator
{
    /// <summary>The advisory lock key the migrations run under ("webmail" in ASCII).</summary>
    private const long LockKey = 0x7765626D61696C;

    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations { get; } = LoadMigrations();

    public static int LatestVersion => Migrations[^1].Version;

    /// <exception cref="InvalidOperationException">The database was migrated by a newer version of Webmail.</exception>
    public static void Migrate(NpgsqlDataSource dataSource, ILogger logger)
    {
        using var connection = dataSource.OpenConnection();
        Execute(connection, $"SELECT pg_advisory_lock({LockKey})");
        try
        {
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """);
            var current = GetVersion(connection);
            if (current > LatestVersion)
                throw new InvalidOperationException($"The database is at schema version {current}, newer than this build's {LatestVersion}.");
            foreach (var (version, name, sql) in Migrations)
            {
                if (version <= current)
                    continue;
                using var transaction = connection.BeginTransaction();
                using (var command = new NpgsqlCommand(sql, connection, transaction))
                    command.ExecuteNonQuery();
                using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.AddWithValue(version);
                    record.Parameters.AddWithValue(name);
                    record.ExecuteNonQuery();
                }
                transaction.Commit();
                logger.LogInformation("Applied PostgreSQL migration {Version} {Name}", version, name);
            }
        }
        finally
        {
            Execute(connection, $"SELECT pg_advisory_unlock({LockKey})");
        }
    }

    public static int GetVersion(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection);
        return Convert.ToInt32(command.ExecuteScalar());
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static List<(int, string, string)> LoadMigrations()
    {
        var assembly = typeof(PostgresMigrator).Assembly;
        var list = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal)))
        {
            var file = resource["Migrations.".Length..];
            var underscore = file.IndexOf('_');
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add((int.Parse(file[..underscore]), file[(underscore + 1)..^4], reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }
}
