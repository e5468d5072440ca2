using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webmail.Storage.Postgres;

namespace Webmail.Testing;

/// <summary>Which store a test runs on.</summary>
/// <remarks>
/// A contract test class runs on both by being abstract over the provider, with one sealed subclass each:
/// <code>
/// public abstract class DirectoryTests(StoreProvider provider) { … new TestStore(provider) … }
/// public sealed class DirectoryTestsOnSqlite() : DirectoryTests(StoreProvider.Sqlite);
/// public sealed class DirectoryTestsOnPostgres() : DirectoryTests(StoreProvider.Postgres);
/// </code>
/// </remarks>
public enum StoreProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A real, throwaway PostgreSQL server for the test process: the one <c>tests/run.sh</c> started for the whole run
/// (its maintenance connection string in <c>WEBMAIL_TEST_POSTGRES</c>), or else one this process starts under a
/// temp directory on a free loopback port (Debian's PostgreSQL, <c>initdb</c> run as the <c>postgres</c> user when
/// the tests run as root) and stops when it exits. Each test gets a fresh database copied from a template that
/// already holds the current schema.
/// </summary>
public static class PostgresCluster
{
    public const string EnvironmentVariable = "WEBMAIL_TEST_POSTGRES";
    /// <summary>One template per test process: test assemblies run side by side on run.sh's one cluster.</summary>
    private static readonly string Template = $"webmail_template_{Environment.ProcessId}";
    private static readonly Lazy<string> Maintenance = new(StartOrFind, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    /// <summary>A connection string to the cluster's maintenance database (<c>postgres</c>).</summary>
    public static string ConnectionString => Maintenance.Value;

    /// <summary>Creates a fresh database with the current schema and returns its connection string.</summary>
    public static string CreateDatabase() => Create($"webmail_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}", $" TEMPLATE {Template}");

    /// <summary>Creates a database with no tables at all (as <c>createdb</c> makes one) and returns its connection string.</summary>
    public static string CreateEmptyDatabase() => Create($"webmail_empty_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}", "");

    private static string Create(string name, string template)
    {
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}{template}", connection);
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database <see cref="CreateDatabase"/> made, closing whatever still uses it.</summary>
    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    private static string StartOrFind()
    {
        var connectionString = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given ? given : StartCluster();
        PrepareTemplate(connectionString);
        return connectionString;
    }

    /// <summary>The schema once, into a template every test database is copied from (a copy is much cheaper than migrating).</summary>
    private static void PrepareTemplate(string connectionString)
    {
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Template} WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
            using var create = new NpgsqlCommand($"CREATE DATABASE {Template}", connection);
            create.ExecuteNonQuery();
        }
        var templateConnection = new NpgsqlConnectionStringBuilder(connectionString) { Database = Template, Pooling = false }.ConnectionString;
        new PostgresDatabase(templateConnection, NullLoggerFactory.Instance).DisposeAsync().AsTask().GetAwaiter().GetResult(); // migrates
        NpgsqlConnection.ClearAllPools();
    }

    private static string StartCluster()
    {
        var bin = FindBinaries();
        var root = Path.Combine(Path.GetTempPath(), $"webmail-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
            Run("chown", ["postgres", root], asPostgres: false);
        var data = Path.Combine(root, "data");
        var port = FreePort.Next();
        Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"], asRoot);
        Run(Path.Combine(bin, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(root, "log"), "-w", "-o", $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=300", "start"], asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asRoot);
            }
            catch (InvalidOperationException)
            {
                // Stopped already; the directory goes anyway.
            }
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
        };
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Maximum Pool Size=50";
    }

    internal static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [];
        var bin = versions.Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault();
        return bin ?? throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): tests/run.sh installs Debian's postgresql.");
    }

    internal static void Run(string file, string[] arguments, bool asPostgres)
    {
        var start = asPostgres ? new ProcessStartInfo("runuser") : new ProcessStartInfo(file);
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
                start.ArgumentList.Add(a);
        }
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} ran past 60 s.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output.Result}\n{errors.Result}");
    }
}
