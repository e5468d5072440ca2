using Microsoft.Playwright;

namespace Webmail.Testing;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download: see PLATFORM-NOTES). One browser
/// per test class fixture; a new context (cookies, storage) per test.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser instance)
    {
        _playwright = playwright;
        Instance = instance;
    }

    public IBrowser Instance { get; }

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (tests/run.sh does).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>A fresh context and page; <paramref name="width"/> × <paramref name="height"/> viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 1400, int height = 900)
    {
        var context = await Instance.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true });
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the real sign-in form and waits for the interactive circuit.</summary>
    public static Task SignInAsync(IPage page, TestServer server, string address, string password = "correct horse") =>
        SignInAsync(page, server.BaseUrl, address, password);

    /// <summary>Signs in to the server at <paramref name="baseUrl"/> (a server process) and waits for the interactive circuit.</summary>
    public static async Task SignInAsync(IPage page, string baseUrl, string address, string password = "correct horse")
    {
        await page.GotoAsync(baseUrl + "/signin");
        await page.GetByLabel("Email address").FillAsync(address);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await WaitForUrlAsync(page, url => !url.Contains("/signin", StringComparison.Ordinal));
        await WaitForInteractiveAsync(page);
    }

    /// <summary>
    /// Clicks a control that navigates inside the app and waits for <paramref name="url"/>.
    /// </summary>
    public static async Task ClickToNavigateAsync(IPage page, ILocator control, System.Text.RegularExpressions.Regex url)
    {
        await control.ClickAsync();
        await WaitForUrlAsync(page, url.IsMatch);
    }

    /// <summary>
    /// Waits until the page's address satisfies <paramref name="match"/>. It reads the address itself
    /// instead of waiting for a navigation's load event: most navigations here are the app's own
    /// (history.pushState), and under load Playwright's WaitForURL was seen still "waiting for
    /// navigation until Load" with the page already at the new address.
    /// </summary>
    public static async Task WaitForUrlAsync(IPage page, Func<string, bool> match, int timeoutMs = 30_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!match(page.Url))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The page stayed at {page.Url} for {timeoutMs} ms.");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the Blazor circuit is up (the layout renders data-interactive="true").</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.Locator("[data-interactive='true']").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });

    public async ValueTask DisposeAsync()
    {
        await Instance.DisposeAsync();
        _playwright.Dispose();
    }
}
