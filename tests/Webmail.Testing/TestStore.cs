using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Storage;

namespace Webmail.Testing;

/// <summary>
/// The real store and core services over a real SQLite file in a fresh temp folder, without
/// listeners. For store, pipeline and protocol-session tests.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("webmail-store");
    private readonly TestStoreAt _store;

    public TestStore(IDictionary<string, string?>? settings = null, TimeProvider? time = null) => _store = new TestStoreAt(_directory.Path, settings, time);

    public string DataDirectory => _directory.Path;
    public IServiceProvider Services => _store.Services;
    public SqliteMessageStore Messages => _store.Messages;
    public IDirectoryStore Directory => _store.Directory;
    public DirectoryService DirectoryService => Services.GetRequiredService<DirectoryService>();
    public SqliteDatabase Database => Services.GetRequiredService<SqliteDatabase>();

    /// <summary>Creates the domain if needed and an account with the given password.</summary>
    public Task<Account> CreateAccountAsync(string address, string password = "correct horse", bool admin = false, long? quota = null) =>
        _store.CreateAccountAsync(address, password, admin, quota);

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }
}
