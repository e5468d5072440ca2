using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// Several Webmail nodes (real server processes, <see cref="ServerProcess"/>) on one fresh PostgreSQL database of
/// the test cluster (issue 19, several nodes): each node has its own data directory and ports, all share the store.
/// Disposing kills the nodes and drops the database.
/// </summary>
public sealed class Nodes : IAsyncDisposable
{
    private readonly List<ServerProcess> _servers = [];
    private readonly List<TempDirectory> _directories = [];
    private readonly IDictionary<string, string> _settings;
    private readonly bool _ownsDatabase;

    private Nodes(string connectionString, IDictionary<string, string> settings, bool ownsDatabase)
    {
        ConnectionString = connectionString;
        _settings = settings;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>The database every node uses.</summary>
    public string ConnectionString { get; }

    public IReadOnlyList<ServerProcess> Servers => _servers;

    public ServerProcess this[int index] => _servers[index];

    /// <summary>The settings every node gets: the PostgreSQL store, then those given to <see cref="StartAsync"/>.</summary>
    public IDictionary<string, string> Settings => _settings;

    /// <summary>Starts <paramref name="count"/> nodes at once on a new database (they race to migrate it, as real nodes would).</summary>
    /// <param name="connectionString">A database of the test's own (e.g. on a <see cref="PrivatePostgresCluster"/>) instead of a new one on the shared cluster; the test keeps and drops it.</param>
    public static async Task<Nodes> StartAsync(int count, IDictionary<string, string>? settings = null, string? connectionString = null)
    {
        var database = connectionString ?? PostgresCluster.CreateDatabase();
        var all = new Dictionary<string, string>
        {
            ["Webmail:Store:Provider"] = "postgres",
            ["Webmail:Store:ConnectionString"] = database,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        var nodes = new Nodes(database, all, ownsDatabase: connectionString is null);
        try
        {
            for (var i = 0; i < count; i++)
                nodes._directories.Add(new TempDirectory($"webmail-node{i}"));
            nodes._servers.AddRange(await Task.WhenAll(nodes._directories.Select(d => ServerProcess.StartAsync(d.Path, all))));
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts node <paramref name="index"/> again over its data directory (after a kill); it gets new ports.</summary>
    public async Task<ServerProcess> RestartAsync(int index)
    {
        await _servers[index].DisposeAsync();
        _servers[index] = await ServerProcess.StartAsync(_directories[index].Path, _settings);
        return _servers[index];
    }

    /// <summary>Creates the domain if needed and an account in the shared store, as the CLI on any node would.</summary>
    public async Task<Account> CreateAccountAsync(string address, string password = "correct horse", bool admin = false)
    {
        using var scratch = new TempDirectory("webmail-node-cli");
        await using var store = new TestStoreAt(scratch.Path, _settings.ToDictionary(p => p.Key, p => (string?)p.Value));
        return await store.CreateAccountAsync(address, password, admin);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
            await server.DisposeAsync();
        foreach (var directory in _directories)
            directory.Dispose();
        if (_ownsDatabase)
            PostgresCluster.DropDatabase(ConnectionString);
    }
}
