using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Many signed-in circuits at once (issue 24): <c>circuits</c> accounts with <c>messages</c> in each INBOX, every one
/// signed in on its own page in one Chromium and kept open; then, one page after another while all stay connected,
/// the everyday actions of <see cref="WebBenchmark.MeasureClicksAsync"/> once each (no warm-up: the first action of
/// a circuit counts), p50 and p95 over all circuits; and the server's memory per circuit (PSS with every circuit
/// signed in, minus PSS before the first, over the count).
/// Usage: <c>web-circuits [circuits] [messages]</c>, default 50 and 10,000.
/// </summary>
public static class WebCircuitsBenchmark
{
    internal sealed record Figures(int Circuits, int Messages, ClickTimes Clicks, long IdleKilobytes, long SignedInKilobytes, Samples SignIn)
    {
        public long PerCircuitKilobytes => (SignedInKilobytes - IdleKilobytes) / Circuits;
    }

    public static async Task RunAsync(string[] args)
    {
        var circuits = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        var messages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var figures = await MeasureAsync(circuits, messages);
        foreach (var line in Describe(figures))
            Console.WriteLine("web-circuits: " + line);
    }

    internal static IEnumerable<string> Describe(Figures figures)
    {
        yield return $"{figures.Circuits} circuits signed in, {figures.Messages:N0} messages in each INBOX; sign-in to the first rows on screen (Playwright's clock) p50 {figures.SignIn.Median:F0} ms, p95 {figures.SignIn.P95:F0} ms";
        foreach (var (what, samples) in figures.Clicks.All)
            yield return $"{what}: p50 {samples.Median:F0} ms, p95 {samples.P95:F0} ms ({samples.Count} samples)";
        yield return $"server PSS {figures.IdleKilobytes / 1024} MB before the first sign-in, {figures.SignedInKilobytes / 1024} MB with all signed in: {figures.PerCircuitKilobytes:N0} KB per circuit";
    }

    internal static async Task<Figures> MeasureAsync(int circuits, int messages)
    {
        using var directory = new TempDirectory("webmail-circuits-bench");
        await using var store = new TestStoreAt(directory.Path);
        var accounts = new List<Account>();
        for (var c = 0; c < circuits; c++)
            accounts.Add(await store.CreateAccountAsync($"circuit{c}@local.example"));
        var watch = Stopwatch.StartNew();
        await WebBenchmark.SeedAsync(store, accounts, messages);
        Console.WriteLine($"web-circuits: seeded {circuits} × {messages:N0} messages in {watch.Elapsed.TotalSeconds:F0} s");

        await using var server = await ServerProcess.StartAsync(directory.Path);
        var baseUrl = $"http://127.0.0.1:{server.WebPort}";
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idle = ProcessMemory.PssKilobytes(server.ProcessId);
        await using var browser = await Browser.LaunchAsync();
        var pages = new List<IPage>();
        var signIn = new Samples();
        foreach (var account in accounts)
        {
            var page = await browser.NewPageAsync();
            page.SetDefaultTimeout(60_000);
            var started = Stopwatch.StartNew();
            await Browser.SignInAsync(page, baseUrl, account.Address);
            await page.Locator(".message-row").First.WaitForAsync();
            signIn.Add(started.Elapsed);
            await page.Locator(".mailbox[data-shortcuts='on']").WaitForAsync();
            pages.Add(page);
        }
        await Task.Delay(TimeSpan.FromSeconds(10));
        var signedIn = ProcessMemory.PssKilobytes(server.ProcessId);

        var clicks = new ClickTimes();
        foreach (var page in pages)
            await WebBenchmark.MeasureClicksAsync(page, clicks, runs: 1, warmUp: false);
        return new Figures(circuits, messages, clicks, idle, signedIn, signIn);
    }
}
