using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webmail.Core.Accounts;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Hosting;
using Webmail.Storage;

namespace Webmail.Testing;

/// <summary>The real store over an existing data directory (which it does not delete), for child processes and reopen tests.</summary>
public sealed class TestStoreAt : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public TestStoreAt(string dataDirectory, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Webmail:DataDirectory"] = dataDirectory })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        if (time is not null)
            services.AddSingleton(time); // before the core's TryAdd of the system clock
        services.AddWebmailBase(configuration, dataDirectory);
        _services = services.BuildServiceProvider();
    }

    public IServiceProvider Services => _services;
    public IMessageStore Messages => _services.GetRequiredService<IMessageStore>();
    public IDirectoryStore Directory => _services.GetRequiredService<IDirectoryStore>();

    /// <summary>Creates the domain if needed and an account with the given password.</summary>
    public async Task<Account> CreateAccountAsync(string address, string password = "correct horse", bool admin = false, long? quota = null)
    {
        var service = _services.GetRequiredService<DirectoryService>();
        var domain = address[(address.IndexOf('@') + 1)..];
        if (await Directory.FindDomainAsync(domain, default) is null)
            await service.AddDomainAsync(domain, "test", default);
        return await service.CreateAccountAsync(address, password, null, admin, quota, "test", default);
    }

    public async Task<Account> EnsureAccountAsync(string address = "crash@local.example") =>
        await Directory.FindAccountAsync(address, default) ?? await CreateAccountAsync(address);

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
