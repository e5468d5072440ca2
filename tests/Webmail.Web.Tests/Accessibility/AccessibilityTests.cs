using System.Text;
using Microsoft.Playwright;

namespace Webmail.Web.Tests.Accessibility;

/// <summary>
/// WCAG 2.2 AA, checked by axe-core (Accessibility/axe.min.js, injected into every page by Playwright) on
/// every main page (and a success toast) in the light and the dark theme: no serious or critical violation.
/// One browser, one signed-in page that visits them all.
/// </summary>
public sealed class AccessibilityTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static readonly string AxeSource = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Accessibility", "axe.min.js"));

    /// <summary>axe's run over the page (not into the mail body's frame: that is the sender's markup), reduced to what fails.</summary>
    private const string RunAxe = @"async () => {
        const result = await axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
            resultTypes: ['violations'], iframes: false });
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v =>
            v.impact + ' ' + v.id + ': ' + v.help + '\n' + v.nodes.slice(0, 6).map(n => '      ' + n.target.join(' ') + ' | ' + (n.failureSummary || '').replace(/\s+/g, ' ')).join('\n'));
    }";

    [Fact]
    public async Task EveryMainPageHasNoSeriousOrCriticalViolationInEitherTheme()
    {
        var admin = await web.Server.CreateAccountAsync($"a11y{Guid.NewGuid():N}@local.example", admin: true);
        await web.DeliverAsync(admin, "A single message", body: "Read me in both themes.");
        var root = $"<{Guid.NewGuid():N}@remote.example>";
        await web.DeliverAsync(admin, WebFixture.Ascii($"From: Lucy <lucy@remote.example>\nTo: {admin.Address}\nSubject: Team lunch\nDate: Fri, 04 Dec 2026 09:00:00 +0000\nMessage-ID: {root}\n\nWhere shall we go?\n"));
        await web.DeliverAsync(admin, WebFixture.Ascii($"From: Bob <bob@remote.example>\nTo: {admin.Address}\nSubject: Re: Team lunch\nDate: Fri, 04 Dec 2026 10:00:00 +0000\nMessage-ID: <{Guid.NewGuid():N}@remote.example>\nIn-Reply-To: {root}\nReferences: {root}\n\nThe noodle place.\n\n> Where shall we go?\n"));
        await web.DeliverAsync(admin, WebFixture.Ascii($"From: News <news@remote.example>\nTo: {admin.Address}\nSubject: HTML newsletter\nDate: Fri, 04 Dec 2026 11:00:00 +0000\nMessage-ID: <{Guid.NewGuid():N}@remote.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<p>Hello <b>reader</b>.</p>\n"));

        var context = await web.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await context.GrantPermissionsAsync(["notifications"], new() { Origin = web.Server.BaseUrl });
        // An init script runs outside the page's CSP (script-src 'self' with a nonce), in every document.
        await context.AddInitScriptAsync(AxeSource);
        var page = await context.NewPageAsync();
        var failures = new StringBuilder();

        // Signed out first: the sign-in page.
        await page.GotoAsync(web.Server.BaseUrl + "/signin");
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });
            await CheckAsync(page, "/signin", scheme, failures);
        }
        await Webmail.Testing.Browser.SignInAsync(page, web.Server, admin.Address);

        // The mailbox's own addresses: a message and a conversation.
        await page.GetByRole(AriaRole.Link, new() { Name = "A single message" }).WaitForAsync();
        var message = await page.GetByRole(AriaRole.Link, new() { Name = "A single message" }).GetAttributeAsync("href");
        var conversation = await page.Locator(".message-link", new() { HasText = "Team lunch" }).GetAttributeAsync("href");
        var html = await page.GetByRole(AriaRole.Link, new() { Name = "HTML newsletter" }).GetAttributeAsync("href");
        string[] pages =
        [
            "/", message!, conversation!, html!, "/compose", "/settings", "/settings/filters", "/settings/import",
            "/admin", "/admin/accounts", "/admin/domains", "/admin/aliases", "/admin/queue", "/admin/audit", "/admin/api-tokens", "/admin/settings",
        ];

        // Each page is loaded once and checked in both themes: the page follows the browser's scheme as it changes
        // (MainLayout watches it), so the second check is of the same page redrawn in the other theme.
        foreach (var path in pages)
        {
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
            await page.GotoAsync(web.Server.BaseUrl + path);
            await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                await page.EmulateMediaAsync(new() { ColorScheme = scheme });
                await page.WaitForFunctionAsync($"() => document.querySelector('[data-theme]')?.dataset.theme === '{Theme(scheme)}'");
                await CheckAsync(page, path, scheme, failures);
            }
        }

        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });

            // A success toast ("Desktop notifications are on."), once it has faded in.
            await page.GotoAsync(web.Server.BaseUrl + "/");
            await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Desktop notifications" }).ClickAsync();
            await page.Locator(".mud-snackbar", new() { HasText = "Desktop notifications are on." }).WaitForAsync();
            await page.WaitForFunctionAsync("() => document.querySelector('.mud-snackbar').getAnimations({ subtree: true }).length === 0");
            await CheckAsync(page, "/ with a success toast", scheme, failures);
        }

        await context.CloseAsync();
        Assert.True(failures.Length == 0, "axe-core found serious or critical WCAG 2.2 AA violations:\n" + failures);
    }

    private static string Theme(ColorScheme scheme) => scheme == ColorScheme.Dark ? "dark" : "light";

    private static async Task CheckAsync(IPage page, string path, ColorScheme scheme, StringBuilder failures)
    {
        // The page's content, not its loading state: a heading or a message row, and no progress bar.
        await page.Locator("h1, .message-row").First.WaitForAsync();
        await page.WaitForFunctionAsync("() => !document.querySelector('.mud-progress-linear, .mud-progress-circular, .mud-skeleton')");
        // Colours as they settle, not halfway through a transition (a theme that changed when the circuit
        // started fades its buttons over 250 ms; axe measured one at 3.8:1 on its way to the dark primary).
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => a.playState !== 'running' || !isFinite(a.effect?.getComputedTiming().endTime))");
        var violations = await page.EvaluateAsync<string[]>(RunAxe);
        foreach (var violation in violations)
            failures.Append($"  {path} ({Theme(scheme)}): {violation}\n");
    }
}
