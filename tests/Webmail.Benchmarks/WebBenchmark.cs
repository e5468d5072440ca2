using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// Web UI with a big INBOX, served by the real server process: time from pressing "Sign in" to the
/// first message row on screen, list and search in the store, and search results on screen.
/// Usage: <c>web [messages]</c>, default 100,000. <see cref="Corpus"/> is shared with the report,
/// which puts the same messages into Dovecot for the IMAP side.
/// </summary>
public static class WebBenchmark
{
    internal const string Address = "web@local.example";
    private const string Password = "correct horse";
    private static readonly string[] Words = ["invoice", "meeting", "lunch", "report", "holiday", "budget", "release", "contract", "party", "review"];

    /// <summary>A word in one message of every 1,000 (the rare search).</summary>
    internal const string RareWord = "zeppelin";

    /// <summary>A word in about a fifth of the messages (the common search).</summary>
    internal const string CommonWord = "budget";

    public static async Task RunAsync(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 100_000;
        await using var setup = await Setup.CreateAsync(count);
        Console.WriteLine($"web: seeded {count:N0} messages into INBOX in {setup.SeedTime.TotalSeconds:F1} s");
        var figures = await MeasureAsync(setup);
        Console.WriteLine($"web: sign-in with the KDF, to the first rows painted: median {figures.WithKdf.RowPainted.Median:F0} ms ({figures.WithKdf.RowPainted}); {figures.WithKdf.Steps}");
        Console.WriteLine($"web: sign-in again (password remembered): median {figures.Remembered.RowPainted.Median:F0} ms ({figures.Remembered.RowPainted}); {figures.Remembered.Steps}");
        Console.WriteLine($"web: store list 50 newest: median {figures.StoreList.Median:F2} ms");
        Console.WriteLine($"web: store search \"{RareWord}\": median {figures.StoreRare.Median:F2} ms; \"{CommonWord}\": median {figures.StoreCommon.Median:F2} ms");
        Console.WriteLine($"web: search results on screen: median {figures.OnScreen.Median:F0} ms ({figures.OnScreen})");
        foreach (var (what, samples) in figures.Clicks.All)
            Console.WriteLine($"web: {what}: median {samples.Median:F0} ms ({samples})");
    }

    /// <summary>Message <paramref name="i"/> of the corpus, addressed to <paramref name="to"/>.</summary>
    internal static byte[] Corpus(int i, string to)
    {
        var body = $"Message {i} about {Words[i % Words.Length]} and {Words[i / 7 % Words.Length]}." + (i % 1000 == 0 ? $" The {RareWord} lands." : "");
        return TestMessages.Simple(from: $"Sender {i % 500} <sender{i % 500}@remote.example>", to: to,
            subject: $"{Words[i / 3 % Words.Length]} #{i}", body: body, messageId: $"corpus-{i}@bench.example");
    }

    /// <summary>
    /// Delivers the corpus into each account's INBOX, <paramref name="perAccount"/> messages each, through the store with
    /// 16 concurrent writers (group commit); one message in four unread.
    /// </summary>
    internal static async Task SeedAsync(TestStoreAt store, IReadOnlyList<Account> accounts, int perAccount)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < accounts.Count * perAccount)
            {
                var (account, i) = (accounts[n % accounts.Count], n / accounts.Count);
                await store.Messages.DeliverAsync(new DeliveryRequest(Corpus(i, account.Address),
                    [new MailboxDelivery(account.Id, SpecialFolder.Inbox, i % 4 == 0 ? MessageFlags.None : MessageFlags.Seen)]), default);
            }
        }));
    }

    /// <summary>
    /// <paramref name="WithKdf"/>: sign-ins whose password the server checks with its KDF (the first of the day);
    /// <paramref name="Remembered"/>: again within minutes (the verified password remembered).
    /// </summary>
    internal sealed record Figures(SignInTimes WithKdf, SignInTimes Remembered, Samples StoreList, Samples StoreRare, Samples StoreCommon, Samples OnScreen, ClickTimes Clicks)
    {
        /// <summary>The first page as a person sees it at their first sign-in: pressing Sign in to the first rows painted.</summary>
        public Samples FirstList => WithKdf.RowPainted;
    }

    internal static async Task<Figures> MeasureAsync(Setup setup)
    {
        var baseUrl = $"http://127.0.0.1:{setup.Server.WebPort}";
        await using var browser = await Browser.LaunchAsync();
        // The first sign-in after start compiles the page's code paths: not counted.
        await SignInAsync(browser, baseUrl);
        // A person's first sign-in of the day: the stored hash is new (the same password hashed again, as a
        // password change does), so the server runs the KDF. Then signing in again within a few minutes: the
        // server remembers the verified password (VerifiedPasswordCache) and skips it.
        var withKdf = new SignInTimes();
        for (var i = 0; i < 5; i++)
        {
            await setup.Store.Directory.SetPasswordHashAsync(setup.AccountId, PasswordHasher.Hash(Password), new AuditRecord("bench", "account.passwd", Address), default);
            withKdf.Add(await SignInAsync(browser, baseUrl));
        }
        var remembered = new SignInTimes();
        for (var i = 0; i < 5; i++)
            remembered.Add(await SignInAsync(browser, baseUrl));

        var messages = setup.Store.Messages;
        var inbox = await messages.GetSpecialFolderAsync(setup.AccountId, SpecialFolder.Inbox, default);
        var storeList = await Samples.OfAsync(7, () => messages.ListAsync(setup.AccountId, inbox.Id, 0, 50, MessageSort.DateDescending, default));
        var rare = await Samples.OfAsync(7, () => messages.SearchAsync(setup.AccountId, SearchQuery.Parse(RareWord), 0, 50, default));
        var common = await Samples.OfAsync(7, () => messages.SearchAsync(setup.AccountId, SearchQuery.Parse(CommonWord), 0, 50, default));

        var ui = await browser.NewPageAsync();
        await Browser.SignInAsync(ui, baseUrl, Address, Password);
        await ui.Locator(".message-row").First.WaitForAsync(new() { Timeout = 60_000 });
        // The list is prerendered before the circuit attaches the key listener; a person's first key waits for it too.
        await ui.Locator(".mailbox[data-shortcuts='on']").WaitForAsync(new() { Timeout = 60_000 });
        var screen = new Samples();
        var search = ui.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" });
        foreach (var text in new[] { RareWord, "from:sender7@remote.example", CommonWord, $"{RareWord} report", "is:unread invoice" })
        {
            await search.FillAsync(text);
            screen.Add(await ToPixelsAsync(ui, () => search.PressAsync("Enter"), Shown(".mud-typography-body2", contains: "Results for"), Gone(".mud-progress-linear")));
            await ui.GetByRole(AriaRole.Button, new() { Name = "Clear search" }).ClickAsync();
            await ui.GetByText("Results for").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }
        var clicks = new ClickTimes();
        await MeasureClicksAsync(ui, clicks, runs: 5, warmUp: true);
        return new Figures(withKdf, remembered, storeList, rare, common, screen, clicks);
    }

    /// <summary>
    /// The everyday actions on a page showing a big INBOX, each from the key or mouse press to the frame that shows its
    /// result, on the browser's clock: opening a message from the list, the next one with j, marking read and unread
    /// (Shift+I, Shift+U), archiving with e, and switching between Inbox and Archive; <paramref name="runs"/> of each,
    /// after one uncounted run of each when <paramref name="warmUp"/>. The page must have a row 11 + runs down the list.
    /// </summary>
    internal static async Task MeasureClicksAsync(IPage ui, ClickTimes into, int runs, bool warmUp)
    {
        var first = warmUp ? 0 : 1;
        var subjects = ui.Locator(".message-row .message-subject");
        var reader = ui.Locator("#reader-subject");
        async Task<string> SubjectAsync(int row) => (await subjects.Nth(row).TextContentAsync())!.Trim();

        for (var run = first; run <= runs; run++)
        {
            var subject = await SubjectAsync(run + 1);
            var time = await ToPixelsAsync(ui, () => ui.Locator(".message-row .message-link").Nth(run + 1).ClickAsync(), Shown("#reader-subject", exact: subject));
            if (run > 0)
                into.Open.Add(time);
            await ui.Keyboard.PressAsync("u");
            await reader.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }

        // With a message open, j opens the next one down the list.
        var at = 10;
        await ui.Locator(".message-row .message-link").Nth(at).ClickAsync();
        await reader.WaitForAsync();
        for (var run = first; run <= runs; run++)
        {
            var subject = await SubjectAsync(++at);
            var time = await ToPixelsAsync(ui, () => ui.Keyboard.PressAsync("j"), Shown("#reader-subject", exact: subject));
            if (run > 0)
                into.Next.Add(time);
        }

        // The open message is read; Shift+U marks it unread, Shift+I read again: the row's bold type follows.
        for (var run = first; run <= runs; run++)
        {
            var unread = await ToPixelsAsync(ui, () => ui.Keyboard.PressAsync("Shift+U"), Shown(".message-row--open.message-row--unread"));
            var read = await ToPixelsAsync(ui, () => ui.Keyboard.PressAsync("Shift+I"), Gone(".message-row--open.message-row--unread"));
            if (run > 0)
            {
                into.MarkReadOrUnread.Add(read);
                into.MarkReadOrUnread.Add(unread);
            }
        }

        // e archives the open message: its row leaves the list.
        for (var run = first; run <= runs; run++)
        {
            if (await reader.CountAsync() == 0)
            {
                await ui.Locator(".message-row .message-link").Nth(10).ClickAsync();
                await reader.WaitForAsync();
            }
            var subject = (await reader.TextContentAsync())!.Trim();
            var time = await ToPixelsAsync(ui, () => ui.Keyboard.PressAsync("e"), Gone(".message-row .message-subject", exact: subject));
            if (run > 0)
                into.Archive.Add(time);
            await ui.WaitForTimeoutAsync(300);
        }
        if (await reader.CountAsync() > 0)
        {
            await ui.Keyboard.PressAsync("u");
            await reader.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }

        // Inbox (100,000 messages) to Archive (the messages archived above) and back: the other folder's newest row shown.
        var folders = ui.Locator("nav.mailbox-folders");
        var inboxLink = folders.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Inbox") });
        var archiveLink = folders.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Archive") });
        var inboxFirst = await SubjectAsync(0);
        await archiveLink.ClickAsync();
        await subjects.Filter(new() { HasTextString = inboxFirst }).WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await subjects.First.WaitForAsync();
        var archiveFirst = await SubjectAsync(0);
        await inboxLink.ClickAsync();
        await subjects.Filter(new() { HasTextString = archiveFirst }).WaitForAsync(new() { State = WaitForSelectorState.Detached });
        for (var run = 0; run < runs; run++)
        {
            into.FolderSwitch.Add(await ToPixelsAsync(ui, () => archiveLink.ClickAsync(), Shown(".message-row .message-subject", exact: archiveFirst), Gone(".message-row .message-subject", exact: inboxFirst)));
            into.FolderSwitch.Add(await ToPixelsAsync(ui, () => inboxLink.ClickAsync(), Shown(".message-row .message-subject", exact: inboxFirst), Gone(".message-row .message-subject", exact: archiveFirst)));
        }
    }

    /// <summary>What the page must show for an action to count as done: an element matching the selector (with the text) is there, or is not.</summary>
    private sealed record Condition(string Selector, bool Present, string? Contains, string? Exact);

    private static Condition Shown(string selector, string? contains = null, string? exact = null) => new(selector, true, contains, exact);

    private static Condition Gone(string selector, string? contains = null, string? exact = null) => new(selector, false, contains, exact);

    /// <summary>
    /// Arms a probe in the page, then acts: from the press that starts the action (the keydown or mousedown's own
    /// timestamp) until the frame after the page first meets every condition has been drawn, on the browser's clock.
    /// Playwright's own waiting (its polling through the DevTools protocol) is not in the figure.
    /// </summary>
    private static async Task<double> ToPixelsAsync(IPage page, Func<Task> act, params Condition[] conditions)
    {
        await page.EvaluateAsync(ActionProbe, conditions.Select(c => new { selector = c.Selector, present = c.Present, contains = c.Contains, exact = c.Exact }).ToArray());
        await act();
        await page.WaitForFunctionAsync("() => window.__painted !== undefined", null, new() { Timeout = 30_000 });
        return await page.EvaluateAsync<double>("() => window.__painted");
    }

    private const string ActionProbe = """
        conditions => {
            window.__painted = undefined;
            let start, done = false;
            const met = () => conditions.every(c => {
                const found = [...document.querySelectorAll(c.selector)].some(e => {
                    const text = e.textContent.trim();
                    return (c.contains == null || text.includes(c.contains)) && (c.exact == null || text === c.exact);
                });
                return found === c.present;
            });
            const check = () => {
                if (done || start === undefined || !met()) return;
                done = true;
                observer.disconnect();
                requestAnimationFrame(() => setTimeout(() => { window.__painted = performance.now() - start; }));
            };
            const observer = new MutationObserver(check);
            observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
            const pressed = e => { if (start === undefined) { start = e.timeStamp; check(); } };
            window.addEventListener('keydown', pressed, { capture: true, once: true });
            window.addEventListener('mousedown', pressed, { capture: true, once: true });
        }
        """;

    /// <summary>
    /// Put into every page before its own scripts: when the first message row arrives (the prerendered page carries
    /// the list), the time after the next frame has been drawn (requestAnimationFrame runs just before a frame's paint,
    /// a task queued from it after). The page's clock starts at the navigation's start: the form's submission.
    /// </summary>
    private const string RowPaintProbe = """
        new MutationObserver((_, observer) => {
            if (!document.querySelector('.message-row')) return;
            observer.disconnect();
            requestAnimationFrame(() => setTimeout(() => { window.__rowPainted = performance.now(); }));
        }).observe(document, { childList: true, subtree: true });
        """;

    /// <summary>Signs in on a fresh page and reads the browser's own timeline of it.</summary>
    private static async Task<SignInTime> SignInAsync(Browser browser, string baseUrl)
    {
        var page = await browser.NewPageAsync();
        await page.Context.AddInitScriptAsync(RowPaintProbe);
        await page.GotoAsync(baseUrl + "/signin");
        await page.GetByLabel("Email address").FillAsync(Address);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForFunctionAsync("() => window.__rowPainted !== undefined", null, new() { Timeout = 60_000 });
        var times = await page.EvaluateAsync<double[]>("""
            () => {
                const n = performance.getEntriesByType('navigation')[0];
                const paint = performance.getEntriesByName('first-contentful-paint')[0];
                return [n.redirectEnd, n.responseEnd, paint ? paint.startTime : -1, window.__rowPainted];
            }
            """);
        await page.Context.CloseAsync();
        return new SignInTime(times[0], times[1], times[2], times[3]);
    }

    /// <summary>The corpus in one account's INBOX, served by the real server process; the store stays open here for the store figures.</summary>
    internal sealed class Setup : IAsyncDisposable
    {
        private readonly TempDirectory _directory = new("webmail-web-bench");

        public TestStoreAt Store { get; private set; } = null!;
        public ServerProcess Server { get; private set; } = null!;
        public long AccountId { get; private set; }
        public TimeSpan SeedTime { get; private set; }

        public static async Task<Setup> CreateAsync(int count)
        {
            var setup = new Setup();
            setup.Store = new TestStoreAt(setup._directory.Path);
            var account = await setup.Store.CreateAccountAsync(Address, Password);
            setup.AccountId = account.Id;
            var watch = Stopwatch.StartNew();
            await SeedAsync(setup.Store, [account], count);
            setup.SeedTime = watch.Elapsed;
            setup.Server = await ServerProcess.StartAsync(setup._directory.Path);
            return setup;
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Store.DisposeAsync();
            _directory.Dispose();
        }
    }
}

/// <summary>
/// One sign-in in the browser's own clock, from the form's submission: the POST answered (its redirect),
/// the mailbox page received, the first paint, and the first message row painted.
/// </summary>
internal sealed record SignInTime(double PostAnswered, double PageReceived, double FirstPaint, double RowPainted);

/// <summary>Repeated sign-ins: each step's samples.</summary>
internal sealed class SignInTimes
{
    public Samples PostAnswered { get; } = new();
    public Samples PageReceived { get; } = new();
    public Samples FirstPaint { get; } = new();
    public Samples RowPainted { get; } = new();

    public void Add(SignInTime time)
    {
        PostAnswered.Add(time.PostAnswered);
        PageReceived.Add(time.PageReceived);
        FirstPaint.Add(time.FirstPaint);
        RowPainted.Add(time.RowPainted);
    }

    /// <summary>Medians of each step, for a report line.</summary>
    public string Steps => $"POST answered {PostAnswered.Median:F0} ms, page received {PageReceived.Median:F0} ms, first paint {FirstPaint.Median:F0} ms, first rows painted {RowPainted.Median:F0} ms";
}

/// <summary>The everyday actions, each from the press to its result painted (browser clock).</summary>
internal sealed class ClickTimes
{
    public Samples Open { get; } = new();
    public Samples Next { get; } = new();
    public Samples MarkReadOrUnread { get; } = new();
    public Samples Archive { get; } = new();
    public Samples FolderSwitch { get; } = new();

    public IEnumerable<(string What, Samples Samples)> All =>
    [
        ("opening a message from the list (click)", Open),
        ("the next message (j, a message open)", Next),
        ("marking read or unread (Shift+I, Shift+U)", MarkReadOrUnread),
        ("archiving the open message (e)", Archive),
        ("switching folder, Inbox ↔ Archive (click)", FolderSwitch),
    ];
}

/// <summary>Timings of repeated runs, in milliseconds.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public void Add(TimeSpan elapsed) => _values.Add(elapsed.TotalMilliseconds);

    public void Add(double milliseconds) => _values.Add(milliseconds);

    public double Median => _values.Order().ElementAt(_values.Count / 2);

    public double P95 => Percentiles.Of(_values.Order().ToArray(), 0.95);

    public int Count => _values.Count;

    public double Best => _values.Min();

    /// <summary>Runs <paramref name="action"/> once to warm up, then <paramref name="runs"/> timed times.</summary>
    public static async Task<Samples> OfAsync<T>(int runs, Func<Task<T>> action)
    {
        await action();
        var samples = new Samples();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await action();
            samples.Add(watch.Elapsed);
        }
        return samples;
    }

    public override string ToString() => string.Join(", ", _values.Select(v => v.ToString(v < 10 ? "F2" : "F0", CultureInfo.InvariantCulture))) + " ms";
}
