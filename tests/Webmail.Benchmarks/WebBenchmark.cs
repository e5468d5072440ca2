using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Web UI with a big INBOX: time from pressing "Sign in" to the first message row on screen,
/// and search latency (store call and results on screen). Usage: <c>web [messages]</c>, default 100,000.
/// </summary>
public static class WebBenchmark
{
    private static readonly string[] Words = ["invoice", "meeting", "lunch", "report", "holiday", "budget", "release", "contract", "party", "review"];

    public static async Task RunAsync(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 100_000;
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["applicationName"] = "Webmail" });
        var account = await server.CreateAccountAsync("bench@local.example");

        var seed = Stopwatch.StartNew();
        await SeedAsync(server.Messages, account, count);
        Console.WriteLine($"web: seeded {count:N0} messages into INBOX in {seed.Elapsed.TotalSeconds:F1} s");

        await using var browser = await Browser.LaunchAsync();
        var firstList = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(server.BaseUrl + "/signin");
            await page.GetByLabel("Email address").FillAsync(account.Address);
            await page.GetByLabel("Password").FillAsync("correct horse");
            var watch = Stopwatch.StartNew();
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.Locator(".message-row").First.WaitForAsync(new() { Timeout = 60_000 });
            firstList.Add(watch.Elapsed.TotalMilliseconds);
            await page.Context.CloseAsync();
        }
        Console.WriteLine($"web: sign-in to first list rendered: median {Median(firstList):F0} ms (runs: {string.Join(", ", firstList.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})");

        foreach (var text in new[] { "zeppelin", "from:sender7@remote.example", "subject:budget is:unread" })
        {
            var store = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                var watch = Stopwatch.StartNew();
                await server.Messages.SearchAsync(account.Id, SearchQuery.Parse(text), 0, 50, default);
                store.Add(watch.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"web: store search \"{text}\": median {Median(store):F1} ms");
        }

        var ui = await browser.NewPageAsync();
        await Browser.SignInAsync(ui, server, account.Address);
        await ui.Locator(".message-row").First.WaitForAsync();
        var screen = new List<double>();
        foreach (var text in new[] { "zeppelin", "from:sender7@remote.example", "budget", "zeppelin report", "is:unread invoice" })
        {
            var search = ui.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" });
            await search.FillAsync(text);
            var watch = Stopwatch.StartNew();
            await search.PressAsync("Enter");
            await ui.GetByText("Results for").WaitForAsync();
            await ui.Locator(".mud-progress-linear").WaitForAsync(new() { State = WaitForSelectorState.Detached });
            screen.Add(watch.Elapsed.TotalMilliseconds);
            await ui.GetByRole(AriaRole.Button, new() { Name = "Clear search" }).ClickAsync();
            await ui.GetByText("Results for").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }
        Console.WriteLine($"web: search results on screen: median {Median(screen):F0} ms (runs: {string.Join(", ", screen.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})");
    }

    private static async Task SeedAsync(IMessageStore store, Account account, int count)
    {
        var next = -1;
        var workers = Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = $"Message {i} about {Words[i % Words.Length]} and {Words[i / 7 % Words.Length]}." + (i % 1000 == 0 ? " The zeppelin lands." : "");
                var raw = TestMessages.Simple(from: $"Sender {i % 500} <sender{i % 500}@remote.example>", to: account.Address,
                    subject: $"{Words[i / 3 % Words.Length]} #{i}", body: body);
                await store.DeliverAsync(new DeliveryRequest(raw, [new MailboxDelivery(account.Id, SpecialFolder.Inbox, i % 4 == 0 ? MessageFlags.None : MessageFlags.Seen)]), default);
            }
        });
        await Task.WhenAll(workers);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
