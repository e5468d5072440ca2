using Microsoft.Playwright;

namespace Webmail.Testing;

/// <summary>
/// Debian's Chromium driven by Playwright (no browser download: see PLATFORM-NOTES). A new context
/// (cookies, storage) per test. One Chromium can serve many fixtures through <see cref="Share"/>: each
/// share closes the contexts it opened and leaves the browser running.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly IPlaywright? _playwright;
    private readonly List<IBrowserContext> _contexts = [];

    private Browser(IPlaywright? playwright, IBrowser instance)
    {
        _playwright = playwright;
        Instance = instance;
    }

    public IBrowser Instance { get; }

    /// <summary>
    /// A view on this same Chromium for one fixture: its <see cref="DisposeAsync"/> closes the contexts opened
    /// through it (so their pages and circuits end with the fixture) and not the browser.
    /// </summary>
    public Browser Share() => new(null, Instance);

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
        var context = await NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true });
        return await context.NewPageAsync();
    }

    /// <summary>A fresh context with <paramref name="options"/>, closed with this browser (or this share of it) if the test leaves it open.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Instance.NewContextAsync(options);
        lock (_contexts)
            _contexts.Add(context);
        return context;
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
    /// Signs <paramref name="page"/>'s context in with the real sign-in form, posted by the context's own HTTP
    /// client (its cookie jar is the browser's), then opens the mailbox and waits for the interactive circuit:
    /// the same session from the same server code as <see cref="SignInAsync(IPage, TestServer, string, string)"/>,
    /// without Chromium rendering the sign-in page first. For tests that are not about signing in.
    /// </summary>
    public static async Task SignInWithFormPostAsync(IPage page, TestServer server, string address, string password = "correct horse")
    {
        await SignInWithFormPostAsync(page.Context, server.BaseUrl, address, password);
        await page.GotoAsync(server.BaseUrl + "/");
        await WaitForInteractiveAsync(page);
    }

    /// <summary>Posts the sign-in form (with its antiforgery token) from <paramref name="context"/>; the session cookie lands in the context.</summary>
    public static async Task SignInWithFormPostAsync(IBrowserContext context, string baseUrl, string address, string password = "correct horse")
    {
        var form = await context.APIRequest.GetAsync(baseUrl + "/signin");
        var token = AntiforgeryField.Match(await form.TextAsync());
        if (!form.Ok || !token.Success)
            throw new InvalidOperationException($"The sign-in page answered {form.Status} without its form.");
        var fields = context.APIRequest.CreateFormData();
        fields.Set("__RequestVerificationToken", System.Net.WebUtility.HtmlDecode(token.Groups["value"].Value));
        fields.Set("_handler", "signin");
        fields.Set("Input.Address", address);
        fields.Set("Input.Password", password);
        var answer = await context.APIRequest.PostAsync(baseUrl + "/signin", new() { Form = fields, MaxRedirects = 0 });
        // Signed in: a redirect into the app. A refusal renders the sign-in page again (200).
        if (answer.Status != 302 || !answer.Headers.TryGetValue("location", out var location) || location.Contains("/signin", StringComparison.Ordinal))
            throw new InvalidOperationException($"Signing in {address} by the form answered {answer.Status}.");
    }

    private static readonly System.Text.RegularExpressions.Regex AntiforgeryField = new(
        "<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"(?<value>[^\"]*)\"|<input[^>]*value=\"(?<value>[^\"]*)\"[^>]*name=\"__RequestVerificationToken\"");

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
        if (_playwright is null)
        {
            IBrowserContext[] open;
            lock (_contexts)
                open = [.. _contexts];
            foreach (var context in open)
                await context.CloseAsync(); // a no-op for a context the test closed itself
            return;
        }
        await Instance.DisposeAsync();
        _playwright.Dispose();
    }
}
