using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// What a signed-in browser circuit does in the load suites (soak, imap-load): sign in through the
/// form, switch folder, open the newest message, search, archive a given message. Each action
/// waits for what it changed to be on screen; a false return means there was nothing to do.
/// </summary>
internal static class WebCircuit
{
    /// <summary>A new context and page signed in as <paramref name="user"/>; a failed sign-in closes its page.</summary>
    public static async Task<IPage> SignInAsync(Browser browser, string baseUrl, string user)
    {
        var page = await browser.NewPageAsync();
        try
        {
            // Playwright's 30 s default is too short for a first sign-in (KDF, JIT, circuit start) on a saturated machine.
            page.SetDefaultTimeout(60_000);
            await page.GotoAsync(baseUrl + "/signin");
            await page.GetByLabel("Email address").FillAsync(user);
            await page.GetByLabel("Password").FillAsync(BenchmarkAccounts.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
            await Browser.WaitForInteractiveAsync(page);
            return page;
        }
        catch
        {
            // A failed sign-in must not leave its page behind: in a 30-minute soak every retry left a
            // renderer process, 150 of them drove the load past 100 and every circuit failed after that.
            await CloseAsync(page);
            throw;
        }
    }

    /// <summary>Closes a page's context (and its renderer process); a browser too busy to answer is not an error of the run.</summary>
    public static async Task CloseAsync(IPage page)
    {
        try
        {
            await page.Context.CloseAsync();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
        }
    }

    /// <summary>
    /// What the page shows, for a failure's record: its path, the reconnect dialog Blazor shows when the
    /// circuit's connection is lost, and the reader's alert (a message that no longer exists).
    /// </summary>
    public static async Task<string> DescribeAsync(IPage page)
    {
        try
        {
            return await page.EvaluateAsync<string>("""
                () => {
                    const modal = document.getElementById('components-reconnect-modal');
                    const alert = document.querySelector('.reader-empty[role=alert]');
                    return [location.pathname,
                        modal ? 'reconnect dialog ' + (modal.open || modal.className ? 'shown' : 'hidden') + (modal.className ? ' (' + modal.className + ')' : '') : 'no reconnect dialog',
                        alert ? 'reader: ' + alert.innerText.slice(0, 60) : ''].filter(x => x).join('; ');
                }
                """).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            return "the page did not answer";
        }
    }

    public static async Task<bool> OpenFolderAsync(IPage page, string name)
    {
        // The navigation is rendered for the wide layout and inside the phone drawer: the visible one.
        await page.Locator(".folder-link:visible", new() { HasText = name }).ClickAsync();
        await page.Locator(".folder-item--current:visible", new() { HasText = name }).WaitForAsync();
        await page.Locator(".mud-progress-linear").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        return true;
    }

    /// <summary>
    /// Opens the first message of the list on screen (the newest); false on an empty list. A click that
    /// leaves the page on the folder is made again, at most three times, and told to <paramref name="clickLost"/>:
    /// with new mail arriving many times a second a row is inserted above the link while it is being
    /// clicked, and the click lands beside it (seen in imap-load: the page stayed on the folder, its
    /// circuit connected, until the 60 s wait for the reader ran out).
    /// </summary>
    public static async Task<bool> OpenNewestAsync(IPage page, Action? clickLost = null)
    {
        if (await page.Locator(".message-link").CountAsync() == 0)
            return false;
        for (var click = 1; ; click++)
        {
            await page.Locator(".message-link").First.ClickAsync();
            try
            {
                await Browser.WaitForUrlAsync(page, url => url.Contains("/message/", StringComparison.Ordinal), timeoutMs: 10_000);
                break;
            }
            catch (TimeoutException) when (click < 3)
            {
                clickLost?.Invoke();
            }
        }
        await page.Locator(".reader-toolbar").WaitForAsync();
        return true;
    }

    /// <summary>Searches the current folder for <paramref name="word"/> and waits for the results.</summary>
    public static async Task<bool> SearchAsync(IPage page, string word)
    {
        var search = page.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" });
        await search.FillAsync(word);
        await search.PressAsync("Enter");
        await page.GetByText("Results for").WaitForAsync();
        await page.Locator(".mud-progress-linear").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        return true;
    }

    /// <summary>
    /// Finds the one message whose subject holds <paramref name="word"/> by searching the current
    /// folder, opens it and presses Archive; done when the reader closes (the move committed and the
    /// list refreshed). False when the search finds nothing.
    /// </summary>
    public static async Task<bool> ArchiveAsync(IPage page, string word, Action? clickLost = null)
    {
        await SearchAsync(page, word);
        if (!await OpenNewestAsync(page, clickLost))
            return false;
        await page.Locator(".reader-toolbar").GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        await page.Locator(".reader-toolbar").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        return true;
    }
}
