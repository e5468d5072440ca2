using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Webmail.Web.Tests;

/// <summary>Hostile HTML mails opened one by one in the real browser: no script runs, nothing is fetched from another host.</summary>
public sealed class HostileHtmlTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task HostileMailsRunNoScriptAndLoadNothingFromOtherHosts()
    {
        var account = await web.NewAccountAsync("hostile");
        foreach (var (name, html) in HostileMessages.All)
            await web.DeliverAsync(account, HostileMessages.Message(account.Address, name, html));
        var page = await web.SignInAsync(account);
        var requests = new ConcurrentQueue<string>();
        page.Context.Request += (_, request) => requests.Enqueue(request.Url);
        var dialogs = 0;
        page.Dialog += (_, dialog) => { Interlocked.Increment(ref dialogs); _ = dialog.DismissAsync(); };
        var origin = new Uri(web.Server.BaseUrl);

        foreach (var (name, _) in HostileMessages.All)
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Hostile: " + name }).ClickAsync();
            var frame = page.FrameLocator("iframe[title='Message body']");
            await frame.Locator("body").WaitForAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            // Clicking the hostile link must not run it either.
            if (name == "javascript link")
                await frame.GetByText("click").ClickAsync(new() { Timeout = 5000 });
            await page.WaitForTimeoutAsync(200);

            Assert.Equal("none", await page.EvaluateAsync<string>("() => String(window.__pwned ?? 'none')"));
            Assert.Equal(web.Server.BaseUrl + "/folder/", page.Url[..(web.Server.BaseUrl.Length + 8)]);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Hostile: " + name })).ToBeVisibleAsync();
        }

        Assert.Equal(0, dialogs);
        var offHost = requests.Where(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Authority != origin.Authority).ToList();
        Assert.Empty(offHost);
        Assert.DoesNotContain(requests, url => url.Contains("evil.example", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(requests, url => url.Contains("/mail/messages/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BodyDocumentIsServedWithStrictPolicyAndStripsDangerousMarkup()
    {
        var account = await web.NewAccountAsync("policy");
        var all = string.Concat(HostileMessages.All.Select(m => m.Html));
        var id = await web.DeliverAsync(account, HostileMessages.Message(account.Address, "all", all));
        var page = await web.SignInAsync(account);

        var response = await page.Context.APIRequest.GetAsync($"{web.Server.BaseUrl}/mail/messages/{id}/body");

        Assert.Equal(200, response.Status);
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'", response.Headers["content-security-policy"]);
        Assert.Equal("no-referrer", response.Headers["referrer-policy"]);
        var body = await response.TextAsync();
        foreach (var forbidden in new[] { "<script", "onerror", "<svg", "<animate", "<feimage", "javascript:", "data:text", "http-equiv", "<form", "<input", "position", "z-index", "evil.example", "<base href", "<iframe", "<object", "<embed", "<link", "<video", "srcset" })
            Assert.DoesNotContain(forbidden, body, StringComparison.OrdinalIgnoreCase);
    }
}
