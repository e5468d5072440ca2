using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Webmail.Storage;

/// <summary>
/// Forward-only numbered migrations (<c>Migrations/NNNN_name.sql</c>, embedded), applied in order
/// at start, each in its own transaction; the schema version is <c>PRAGMA user_version</c>.
/// </summary>
public static class Migrator
{
    /// <summary>The migrations this build knows, in order: (version, name, SQL).</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations { get; } = LoadMigrations();

    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies the migrations above the file's version (all of them, or up to <paramref name="targetVersion"/>).</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of Webmail.</exception>
    public static void Migrate(SqliteConnection connection, ILogger logger, int? targetVersion = null)
    {
        using (connection)
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            var current = GetVersion(connection);
            if (current > LatestVersion)
                throw new InvalidOperationException($"The database is at schema version {current}, newer than this build's {LatestVersion}.");
            foreach (var (version, name, sql) in Migrations)
            {
                if (version <= current || version > (targetVersion ?? int.MaxValue))
                    continue;
                // BEGIN IMMEDIATE, then read the version again: another process (the CLI while the server
                // makes a new store) may have applied this migration since the first read.
                using var transaction = connection.BeginTransaction(deferred: false);
                using (var check = connection.CreateCommand())
                {
                    check.Transaction = transaction;
                    check.CommandText = "PRAGMA user_version;";
                    if (version <= Convert.ToInt32(check.ExecuteScalar()))
                        continue;
                }
                using (var command = connection.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = sql + $"\nPRAGMA user_version = {version};";
                    command.ExecuteNonQuery();
                }
                transaction.Commit();
                logger.LogInformation("Applied migration {Version} {Name}", version, name);
            }
        }
    }

    public static int GetVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar());
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<(int, string, string)> LoadMigrations()
    {
        var assembly = typeof(Migrator).Assembly;
        var list = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal)))
        {
            // Logical names are Migrations.0001_mail_store.sql (see the .csproj).
            var file = resource["Migrations.".Length..];
            var underscore = file.IndexOf('_');
            var version = int.Parse(file[..underscore]);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add((version, file[(underscore + 1)..^4], reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Item1 != i + 1)
                throw new InvalidOperationException($"Migrations must be numbered 1, 2, 3...; found {list[i].Item1} at position {i + 1}.");
        }
        return list;
    }
}
