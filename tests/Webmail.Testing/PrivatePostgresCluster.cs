using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webmail.Storage.Postgres;

namespace Webmail.Testing;

/// <summary>
/// A PostgreSQL server of one test's own (not the shared <see cref="PostgresCluster"/>), which the test may stop and
/// start again (a database restarted under load, issue 19's faults): under a temp directory on a free loopback port,
/// the same port across restarts. Disposing stops it at once and removes its files.
/// </summary>
public sealed class PrivatePostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly int _port;
    private readonly bool _asPostgres;
    private bool _running;

    private PrivatePostgresCluster(string bin, string root, int port, bool asPostgres)
    {
        _bin = bin;
        _root = root;
        _data = Path.Combine(root, "data");
        _port = port;
        _asPostgres = asPostgres;
    }

    /// <summary>A connection string to the database <see cref="StartAsync"/> created and migrated.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=webmail;Maximum Pool Size=50";

    /// <summary>Creates the cluster, starts it, and creates the migrated database <see cref="ConnectionString"/> names.</summary>
    public static async Task<PrivatePostgresCluster> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"webmail-pg-own-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var asPostgres = Environment.UserName == "root";
        var cluster = new PrivatePostgresCluster(PostgresCluster.FindBinaries(), root, FreePort.Next(), asPostgres);
        try
        {
            if (asPostgres)
                PostgresCluster.Run("chown", ["postgres", root], asPostgres: false);
            PostgresCluster.Run(Path.Combine(cluster._bin, "initdb"), ["-D", cluster._data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"], asPostgres);
            cluster.Start();
            var maintenance = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
            await using (var connection = new NpgsqlConnection(maintenance))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE webmail", connection);
                await create.ExecuteNonQueryAsync();
            }
            await new PostgresDatabase(cluster.ConnectionString, NullLoggerFactory.Instance).DisposeAsync(); // migrates
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Starts the server (again) and waits until it takes connections.</summary>
    public void Start()
    {
        PostgresCluster.Run(Path.Combine(_bin, "pg_ctl"),
            ["-D", _data, "-l", Path.Combine(_root, "log"), "-w", "-o", $"-p {_port} -k {_root} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"], _asPostgres);
        _running = true;
    }

    /// <summary><c>pg_ctl stop -m fast</c>: open sessions are ended, in-flight transactions roll back, the server shuts down cleanly.</summary>
    public void Stop()
    {
        PostgresCluster.Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "fast", "-w", "stop"], _asPostgres);
        _running = false;
    }

    public void Dispose()
    {
        try
        {
            if (_running)
                PostgresCluster.Run(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "stop"], _asPostgres);
        }
        catch (InvalidOperationException)
        {
            // Stopped already; the files go anyway.
        }
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}
