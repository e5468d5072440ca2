using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.ManageSieve.Net;
using Webmail.Testing;

namespace Webmail.ManageSieve.Tests;

/// <summary>A real store in a temp folder and a real ManageSieve listener on a loopback port, with two accounts.</summary>
public sealed class ManageSieveTestHost : IAsyncDisposable
{
    public const string Address = "lucy@local.example";
    public const string OtherAddress = "betty@local.example";
    public const string Password = "correct horse";

    private ManageSieveListener _listener = null!;

    private ManageSieveTestHost(TestStore store, ManageSieveServerContext context)
    {
        Store = store;
        Context = context;
    }

    public TestStore Store { get; }
    public ManageSieveServerContext Context { get; }
    public Account Account { get; private set; } = null!;
    public Account Other { get; private set; } = null!;
    public int Port { get; private set; }
    public SieveScriptService Scripts => Context.Scripts;

    /// <param name="settings">Extra configuration keys (<c>Webmail:Limits:ManageSieveIdleTimeout</c>, ...).</param>
    /// <param name="loggers">The server's loggers (a test that reads the session log); otherwise none, or the console with MANAGESIEVE_TEST_LOG=1.</param>
    public static async Task<ManageSieveTestHost> StartAsync(IDictionary<string, string?>? settings = null, ILoggerFactory? loggers = null)
    {
        var store = new TestStore(settings);
        loggers ??= Environment.GetEnvironmentVariable("MANAGESIEVE_TEST_LOG") is null
            ? null
            : LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Debug));
        var context = loggers is null
            ? ActivatorUtilities.CreateInstance<ManageSieveServerContext>(store.Services)
            : ActivatorUtilities.CreateInstance<ManageSieveServerContext>(store.Services, loggers);
        var host = new ManageSieveTestHost(store, context)
        {
            Account = await store.CreateAccountAsync(Address, Password),
            Other = await store.CreateAccountAsync(OtherAddress, Password),
        };
        host._listener = new ManageSieveListener("managesieve", new IPEndPoint(IPAddress.Loopback, 0), context);
        host._listener.Start();
        host.Port = host._listener.LocalEndPoint.Port;
        return host;
    }

    public Task<SieveTranscript> ConnectAsync() => SieveTranscript.ConnectAsync(Port);

    public Task<SieveTranscript> LoginAsync(string address = Address, string password = Password) => SieveTranscript.LoginAsync(Port, address, password);

    /// <summary>Stops the listener the way the server's shutdown does: open sessions are told and end.</summary>
    public async Task StopListenerAsync() => await _listener.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await Store.DisposeAsync();
    }
}
