using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>
/// What the browser tests share for the whole test run: one Chromium (each test opens its own context, so
/// cookies and storage never cross) and one server for the classes on <see cref="WebFixture"/> (each test
/// signs in as its own fresh account). Starting them once instead of once per class saves a server start
/// (host, store, migrations) and a Chromium launch per class. Both live until the test process ends.
/// Classes whose tests change what the whole server does (its settings, its limiter by design, its clock)
/// keep servers of their own.
/// </summary>
public static class SharedWeb
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Browser? _browser;
    private static TestServer? _server;
    private static bool _cleanupRegistered;

    /// <summary>A share of the run's one Chromium for one fixture: disposing it closes the contexts the fixture opened.</summary>
    public static async Task<Browser> BrowserAsync()
    {
        await Gate.WaitAsync();
        try
        {
            RegisterCleanup();
            return (_browser ??= await Browser.LaunchAsync()).Share();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The one server of the classes on <see cref="WebFixture"/>.</summary>
    public static async Task<TestServer> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            RegisterCleanup();
            // The static web assets manifests are named after the application (Webmail), not the test host.
            return _server ??= await TestServer.StartAsync(new Dictionary<string, string?> { ["applicationName"] = "Webmail" });
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>xunit (v2) has no fixture for a whole assembly: the shared parts are closed when the test process exits.</summary>
    private static void RegisterCleanup()
    {
        if (_cleanupRegistered)
            return;
        _cleanupRegistered = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // Bounded: a close that hangs must not keep the test host from exiting.
            if (_browser is { } browser)
                Task.Run(async () => await browser.DisposeAsync()).Wait(TimeSpan.FromSeconds(10));
            if (_server is { } server)
                Task.Run(async () => await server.DisposeAsync()).Wait(TimeSpan.FromSeconds(10));
        };
    }
}
