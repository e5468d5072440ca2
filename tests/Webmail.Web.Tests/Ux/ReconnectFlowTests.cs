using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webmail.Testing;

namespace Webmail.Web.Tests.Ux;

/// <summary>
/// A dropped connection, with the circuit's WebSocket routed through Playwright: while it is cut, a slim
/// "Reconnecting…" bar (not Blazor's page-greying dialog) and the mail stays readable; when the server no longer
/// knows the circuit, the page reloads itself into the same message.
/// </summary>
public sealed class ReconnectFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    /// <summary>Routes the page's Blazor connections (WebSocket, and the negotiate and long-polling requests) so the test can cut them.</summary>
    private sealed class CircuitLine
    {
        private readonly List<(IWebSocketRoute Page, IWebSocketRoute Server)> _open = [];
        public volatile bool Blocked;

        public static async Task<CircuitLine> AttachAsync(IPage page)
        {
            var line = new CircuitLine();
            await page.RouteWebSocketAsync(new Regex("/_blazor"), ws =>
            {
                if (line.Blocked)
                {
                    _ = ws.CloseAsync();
                    return;
                }
                var server = ws.ConnectToServer();
                lock (line._open)
                    line._open.Add((ws, server));
            });
            await page.RouteAsync(new Regex("/_blazor"), route => line.Blocked ? route.AbortAsync() : route.ContinueAsync());
            return line;
        }

        /// <summary>Closes every open circuit connection, on both sides.</summary>
        public async Task CutAsync()
        {
            List<(IWebSocketRoute Page, IWebSocketRoute Server)> open;
            lock (_open)
            {
                open = [.. _open];
                _open.Clear();
            }
            foreach (var (page, server) in open)
            {
                await server.CloseAsync();
                await page.CloseAsync();
            }
        }
    }

    private static async Task<IPage> OpenMessageAsync(TestServer server, Webmail.Testing.Browser browser, string address, long id, Func<IPage, Task<CircuitLine>> attach, Action<CircuitLine> keep)
    {
        var page = await browser.NewPageAsync(1280, 900);
        keep(await attach(page));
        await Webmail.Testing.Browser.SignInAsync(page, server, address);
        var inbox = await server.Messages.GetSpecialFolderAsync((await server.Directory.FindAccountAsync(address, default))!.Id, Core.Model.SpecialFolder.Inbox, default);
        await page.GotoAsync($"{server.BaseUrl}/folder/{inbox.Id}/message/{id}");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        return page;
    }

    [Fact]
    public async Task ACutConnectionShowsASlimBarKeepsTheMailReadableAndRecovers()
    {
        var account = await web.NewAccountAsync("flaky");
        var id = await web.DeliverAsync(account, "Still readable", "This text stays on screen.");
        await web.DeliverAsync(account, "Another one");
        CircuitLine line = default!;
        var page = await OpenMessageAsync(web.Server, web.Browser, account.Address, id, CircuitLine.AttachAsync, l => line = l);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Still readable" }).WaitForAsync();

        line.Blocked = true;
        await line.CutAsync();

        var bar = page.Locator("#components-reconnect-modal");
        await Assertions.Expect(bar).ToBeVisibleAsync();
        await Assertions.Expect(bar).ToHaveTextAsync(new Regex("Reconnecting…|The connection to the server was lost."));
        Assert.Equal("status", await bar.GetAttributeAsync("role"));
        var height = (await bar.BoundingBoxAsync())!.Height;
        Assert.InRange(height, 20, 40);
        // Nothing greys the page: the message is there and nothing covers it.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Still readable" })).ToBeVisibleAsync();
        Assert.Equal("H1", await page.EvaluateAsync<string>("() => { const h = document.getElementById('reader-subject'); const r = h.getBoundingClientRect(); return document.elementFromPoint(r.x + 5, r.y + r.height / 2).tagName; }"));
        // The circuit is down, so the theme cannot follow the browser now: light only.
        await WebFixture.ScreenshotAsync(page, "reconnecting-desktop-light");
        await page.SetViewportSizeAsync(390, 844);
        await WebFixture.ScreenshotAsync(page, "reconnecting-phone-light");
        await page.SetViewportSizeAsync(1280, 900);

        line.Blocked = false;
        await Assertions.Expect(bar).ToBeHiddenAsync(new() { Timeout = 30_000 });
        // The same circuit again: the page answers clicks.
        await page.GetByRole(AriaRole.Link, new() { Name = "Another one" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Another one" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WhenTheServerRejectsTheCircuitThePageReloadsIntoTheSameMessage()
    {
        // The server keeps no disconnected circuit and no persisted circuit state: a cut connection can be neither
        // rejoined nor resumed (.NET 10 resumes a circuit from its persisted state when it can), only reloaded.
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["applicationName"] = "Webmail",
            ["Webmail:Web:Circuit:DisconnectedCircuitMaxRetained"] = "0",
            ["Webmail:Web:Circuit:PersistedCircuitInMemoryMaxRetained"] = "0",
        });
        var account = await server.CreateAccountAsync("gone@local.example");
        var inbox = await server.Messages.GetSpecialFolderAsync(account.Id, Core.Model.SpecialFolder.Inbox, default);
        var receipt = await server.Messages.DeliverAsync(new Core.Storage.DeliveryRequest(TestMessages.Simple(to: account.Address, subject: "Come back here"), [new Core.Storage.MailboxDelivery(account.Id, Core.Model.SpecialFolder.Inbox)]), default);
        var id = receipt.Mailboxes[0].Message!.Id;
        CircuitLine line = default!;
        var page = await OpenMessageAsync(server, web.Browser, account.Address, id, CircuitLine.AttachAsync, l => line = l);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Come back here" }).WaitForAsync();
        await page.EvaluateAsync("() => window.__beforeReload = true");

        var url = page.Url;

        var reloaded = page.WaitForLoadStateAsync(LoadState.Load);
        await line.CutAsync();

        await page.WaitForFunctionAsync("() => window.__beforeReload === undefined", null, new() { Timeout = 30_000 });
        Assert.Equal(url, page.Url);
        Assert.EndsWith($"/folder/{inbox.Id}/message/{id}", page.Url, StringComparison.Ordinal);
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Come back here" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();
        _ = reloaded;
        await page.Context.CloseAsync();
    }
}
