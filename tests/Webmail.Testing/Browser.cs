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
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
        await WaitForInteractiveAsync(page);
    }

    /// <summary>
    /// Clicks a control that navigates inside the app and waits for <paramref name="url"/>. Under a
    /// loaded machine one click was seen to go nowhere (CI: the URL never changed in 30 s; the layout
    /// can move between Playwright's hit check and the mouse event, and an event sent while the
    /// circuit's connection drops is gone). Like a person, it clicks again — at most three times,
    /// and only while the control is still there — so the test still fails if the control never navigates.
    /// When the control has gone without the URL changing (CI, session 5), the navigation is under way
    /// and gets 30 s more.
    /// </summary>
    public static async Task ClickToNavigateAsync(IPage page, ILocator control, System.Text.RegularExpressions.Regex url)
    {
        for (var attempt = 1; ; attempt++)
        {
            await control.ClickAsync();
            try
            {
                await page.WaitForURLAsync(url, new PageWaitForURLOptions { Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                if (await control.CountAsync() == 0)
                {
                    // The click took (the view it was on is gone) but the page is slow to arrive: wait
                    // longer rather than click what is no longer there. Still fails if it never comes.
                    await page.WaitForURLAsync(url, new PageWaitForURLOptions { Timeout = 30_000 });
                    return;
                }
            }
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
