using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Storage;

namespace Webmail.Testing;

/// <summary>
/// The real store and core services without listeners, over a real SQLite file in a fresh temp folder or a
/// fresh database on the test PostgreSQL cluster (<see cref="PostgresCluster"/>). For store, pipeline and
/// protocol-session tests.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("webmail-store");
    private readonly TestStoreAt _store;
    private readonly string? _postgres;

    public TestStore(IDictionary<string, string?>? settings = null, TimeProvider? time = null)
        : this(StoreProvider.Sqlite, settings, time)
    {
    }

    public TestStore(StoreProvider provider, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        Provider = provider;
        if (provider == StoreProvider.Postgres)
        {
            _postgres = PostgresCluster.CreateDatabase();
            settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
            {
                ["Webmail:Store:Provider"] = "postgres",
                ["Webmail:Store:ConnectionString"] = _postgres,
            };
        }
        _store = new TestStoreAt(_directory.Path, settings, time);
    }

    public StoreProvider Provider { get; }

    /// <summary>The connection string of this store's PostgreSQL database (null on SQLite).</summary>
    public string? PostgresConnectionString => _postgres;
    public string DataDirectory => _directory.Path;
    public IServiceProvider Services => _store.Services;

    /// <summary>The whole message store of the provider.</summary>
    public IMessageStore Messages => _store.Messages;

    /// <summary>The SQLite message store itself, for SQLite-only tests.</summary>
    public SqliteMessageStore SqliteMessages => Services.GetRequiredService<SqliteMessageStore>();
    public IDirectoryStore Directory => _store.Directory;
    public DirectoryService DirectoryService => Services.GetRequiredService<DirectoryService>();
    public SqliteDatabase Database => Services.GetRequiredService<SqliteDatabase>();

    /// <summary>Creates the domain if needed and an account with the given password.</summary>
    public Task<Account> CreateAccountAsync(string address, string password = "correct horse", bool admin = false, long? quota = null) =>
        _store.CreateAccountAsync(address, password, admin, quota);

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        if (_postgres is not null)
            PostgresCluster.DropDatabase(_postgres);
        _directory.Dispose();
    }
}
