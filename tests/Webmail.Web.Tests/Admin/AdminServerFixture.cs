using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Web.Tests.Admin;

/// <summary>One server per test class, the run's one Chromium (<see cref="SharedWeb"/>); each test uses its own domain and a fresh browser context.</summary>
public sealed class AdminServerFixture : IAsyncLifetime
{
    public const string AdminAddress = "root@admin.example";
    public const string Password = "correct horse";

    public TestServer Server { get; private set; } = default!;
    public Browser Browser { get; private set; } = default!;

    /// <summary>The DNS server the server asks (<c>Webmail:Dns:Servers</c>), for "Check DNS".</summary>
    public LoopbackDnsServer Dns { get; } = new();

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Dns:Servers:0"] = Dns.Endpoint });
        await Server.CreateAccountAsync(AdminAddress, Password, admin: true);
        Browser = await SharedWeb.BrowserAsync();
    }

    /// <summary>A new browser context signed in as <paramref name="address"/>.</summary>
    public async Task<IPage> SignedInPageAsync(string address = AdminAddress, string password = Password)
    {
        var page = await Browser.NewPageAsync();
        await Browser.SignInWithFormPostAsync(page, Server, address, password);
        return page;
    }

    /// <summary>Opens an admin page and waits for its circuit.</summary>
    public async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(Server.BaseUrl + path);
        await Browser.WaitForInteractiveAsync(page);
    }

    /// <summary>A full-page screenshot when WEBMAIL_SCREENSHOTS names a folder (<see cref="WebFixture.ScreenshotAsync"/>).</summary>
    public static Task ScreenshotAsync(IPage page, string name) => WebFixture.ScreenshotAsync(page, name, fullPage: true);

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
        Dns.Dispose();
    }
}
