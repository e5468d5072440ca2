using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>The whole server with Debian's rspamd on loopback, and the run's one Chromium (<see cref="SharedWeb"/>), for the spam flows.</summary>
public sealed class SpamWebFixture : IAsyncLifetime
{
    private int _accounts;
    private RspamdDaemon? _rspamd;

    public RspamdDaemon Rspamd => _rspamd ?? throw new InvalidOperationException("rspamd did not start.");
    public TestServer Server { get; private set; } = default!;
    public Browser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        _rspamd = await RspamdDaemon.StartAsync();
        Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["applicationName"] = "Webmail",
            ["Webmail:Hostname"] = "mx.local.example",
            ["Webmail:Spam:RspamdUrl"] = _rspamd.Url,
        });
        Browser = await SharedWeb.BrowserAsync();
    }

    public async Task<Account> NewAccountAsync(string name) =>
        await Server.CreateAccountAsync($"{name}{Interlocked.Increment(ref _accounts)}@local.example");

    public async Task<long> DeliverAsync(Account account, string raw, SpecialFolder folder = SpecialFolder.Inbox)
    {
        var receipt = await Server.Messages.DeliverAsync(new DeliveryRequest(WebFixture.Ascii(raw), [new MailboxDelivery(account.Id, folder, MessageFlags.None)]), default);
        return receipt.Mailboxes.Single().Message!.Id;
    }

    /// <summary>
    /// Waits (up to 30 s) until rspamd's statistics satisfy <paramref name="done"/>: training runs in the background after
    /// the move commits, so the test waits for the lesson it expects, not for any lesson (another test's may land first).
    /// Fails with the end of rspamd's log when it does not come.
    /// </summary>
    public async Task<RspamdStat> WaitForLearnedAsync(Func<RspamdStat, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        RspamdStat stat;
        while (!done(stat = await Rspamd.GetStatAsync()))
        {
            if (DateTime.UtcNow >= deadline)
            {
                // What rspamd answered, for the next one to read: the trainer logs each refusal there and in rspamd's own log.
                var log = Rspamd.Log();
                throw new Xunit.Sdk.XunitException($"rspamd did not learn the lesson within 30 s ({stat}); the end of its log:\n{log[Math.Max(0, log.Length - 6000)..]}");
            }
            await Task.Delay(100);
        }
        return stat;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        if (Server is not null)
            await Server.DisposeAsync();
        if (_rspamd is not null)
            await _rspamd.DisposeAsync();
    }
}

/// <summary>"Report spam", "Not spam" and "Why is this in Junk?" in a real Chromium.</summary>
public sealed class SpamFlowTests(SpamWebFixture web) : IClassFixture<SpamWebFixture>
{
    private static ILocator Row(IPage page, string subject) => page.Locator(".message-row", new() { HasText = subject });

    private static ILocator Reader(IPage page) => page.GetByRole(AriaRole.Region, new() { Name = "Reading pane" });

    private static ILocator Folder(IPage page, string name) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Folders" }).GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^" + name) });

    /// <summary>Words enough for rspamd's classifier (11 tokens at least), different each time.</summary>
    private static string Message(string subject, string extraHeaders = "") =>
        $"{extraHeaders}From: Deals <deals@remote.example>\nTo: <someone@local.example>\nSubject: {subject}\nMessage-ID: <{Guid.NewGuid():N}@remote.example>\n" +
        $"Date: Sat, 05 Dec 2026 20:00:00 +0000\n\nBuy discounted replica watches, cheap pharmacy products and lottery winnings today, offer {Guid.NewGuid():N}.\n";

    [Fact]
    public async Task ReportSpamMovesToJunkAndNotSpamBringsItBackTeachingRspamdEachOnce()
    {
        var account = await web.NewAccountAsync("report");
        var id = await web.DeliverAsync(account, Message("Watches for you"));
        var before = await web.Rspamd.GetStatAsync();
        var page = await web.SignInAsync(account);
        await Row(page, "Watches for you").ClickAsync();
        await Assertions.Expect(Reader(page).GetByRole(AriaRole.Heading, new() { Name = "Watches for you" })).ToBeVisibleAsync();

        await Reader(page).GetByRole(AriaRole.Button, new() { Name = "Report spam" }).ClickAsync();

        await Assertions.Expect(page.GetByText("1 message reported as spam and moved to Junk.")).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, "Watches for you")).ToHaveCountAsync(0);
        var junk = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Junk, default);
        Assert.Equal(junk.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, id, default))!.FolderId);
        var spam = await web.WaitForLearnedAsync(s => s.SpamMessages > before.SpamMessages);
        Assert.Equal(before.SpamMessages + 1, spam.SpamMessages);

        // In Junk, the message explains itself and offers "Not spam" in place of "Report spam".
        await Folder(page, "Junk").ClickAsync();
        await Row(page, "Watches for you").ClickAsync();
        await Reader(page).GetByRole(AriaRole.Button, new() { Name = "Why is this in Junk?" }).ClickAsync();
        await Assertions.Expect(Reader(page)).ToContainTextAsync("The spam filter did not mark this message: it was moved to Junk by you or by a mail program.");
        await Assertions.Expect(Reader(page).GetByRole(AriaRole.Button, new() { Name = "Report spam" })).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "junk-reported-by-user");

        // The first move's snackbar covers the toolbar's end on this page size: the key does what the button does.
        await Assertions.Expect(Reader(page).GetByRole(AriaRole.Button, new() { Name = "Not spam" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("!");

        await Assertions.Expect(page.GetByText("1 message marked as not spam and moved to Inbox.")).ToBeVisibleAsync();
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        Assert.Equal(inbox.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, id, default))!.FolderId);
        var ham = await web.WaitForLearnedAsync(s => s.HamMessages > before.HamMessages);
        Assert.Equal((before.HamMessages + 1, before.SpamMessages), (ham.HamMessages, ham.SpamMessages));
    }

    [Fact]
    public async Task ExclamationMarkReportsTheMessageUnderTheCursor()
    {
        var account = await web.NewAccountAsync("bang");
        var id = await web.DeliverAsync(account, Message("Keyboard spam"));
        var page = await web.SignInAsync(account);
        await Assertions.Expect(page.Locator("[data-shortcuts='on']")).ToHaveCountAsync(1);
        await Row(page, "Keyboard spam").WaitForAsync();

        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("!");

        await Assertions.Expect(Row(page, "Keyboard spam")).ToHaveCountAsync(0);
        var junk = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Junk, default);
        Assert.Equal(junk.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, id, default))!.FolderId);
    }

    [Fact]
    public async Task WhyIsThisInJunkShowsTheFiltersScoreRulesAndOurSenderChecksOnly()
    {
        var account = await web.NewAccountAsync("why");
        // As the pipeline files a message rspamd scored "add header": our Authentication-Results on top, a sender's
        // claim (another authserv-id) below it, which must not be shown.
        await web.DeliverAsync(account, Message("Scored by the filter",
            "Authentication-Results: mx.local.example; dmarc=fail header.from=remote.example; spf=softfail smtp.mailfrom=remote.example\n" +
            "X-Spam-Status: Yes, score=8.1 required=15\n" +
            "X-Spam-Symbols: WEBMAIL_TEST_SPAMMY_SENDER(8), ONCE_RECEIVED(0.1), MIME_GOOD(-0.1)\n" +
            "Authentication-Results: elsewhere.example; dmarc=pass; spf=pass\n"), SpecialFolder.Junk);
        var junk = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Junk, default);
        var page = await web.SignInAsync(account, 390, 844);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.GotoAsync($"{web.Server.BaseUrl}/folder/{junk.Id}");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await Row(page, "Scored by the filter").ClickAsync();

        var why = Reader(page).GetByRole(AriaRole.Button, new() { Name = "Why is this in Junk?" });
        await Assertions.Expect(why).ToHaveAttributeAsync("aria-expanded", "false");
        await why.ClickAsync();

        await Assertions.Expect(why).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(Reader(page)).ToContainTextAsync("The spam filter scored this message 8.1 (messages scoring 15 or more are refused).");
        var rules = Reader(page).GetByRole(AriaRole.Table, new() { Name = "Spam filter rules that matched" });
        await Assertions.Expect(rules.GetByRole(AriaRole.Row)).ToHaveCountAsync(4);
        await Assertions.Expect(rules.GetByRole(AriaRole.Row).Nth(1)).ToHaveTextAsync(new Regex("WEBMAIL_TEST_SPAMMY_SENDER\\s*8"));
        await Assertions.Expect(Reader(page).GetByLabel("DMARC: fail")).ToBeVisibleAsync();
        await Assertions.Expect(Reader(page).GetByLabel("SPF: softfail")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "junk-why-phone-dark");
    }
}

/// <summary>The admin's side: the filter charts on the dashboard and the MTA-STS mode on the Domains page.</summary>
public sealed class SpamAdminFlowTests(SpamWebFixture web) : IClassFixture<SpamWebFixture>
{
    [Fact]
    public async Task DashboardChartsFilterCountsAndDomainsPageSetsTheMtaStsMode()
    {
        var admin = await web.Server.CreateAccountAsync($"admin{Guid.NewGuid():N}"[..12] + "@admin.example", admin: true);
        var counts = web.Server.Services.GetService(typeof(ISpamFilterStore)) as ISpamFilterStore ?? throw new InvalidOperationException();
        foreach (var (outcome, reason) in new[] { ("rejected", "dnsbl"), ("rejected", "dnsbl"), ("rejected", "rspamd"), ("tempfailed", "rspamd"), ("quarantined", "rspamd") })
            await counts.CountFilterOutcomeAsync(outcome, reason, default);
        var page = await web.SignInAsync(admin);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });

        await page.GotoAsync(web.Server.BaseUrl + "/admin");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);

        // Counted by this test and by others sharing the server: the refusals are this test's alone.
        await Assertions.Expect(page.Locator("[data-chart='refused']")).ToContainTextAsync("4 refused: 2 dnsbl, 1 rspamd, 1 rspamd (deferred)");
        await Assertions.Expect(page.Locator("[data-chart='junk']")).ToContainTextAsync(new Regex("^1 quarantined, \\d+ learned as spam"));
        await WebFixture.ScreenshotAsync(page, "admin-dashboard-filters-dark");

        await page.GotoAsync(web.Server.BaseUrl + "/admin/domains");
        await Webmail.Testing.Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("MTA-STS mode for admin.example").ClickAsync();
        var enforce = page.GetByRole(AriaRole.Option, new() { Name = "Enforce", Exact = true });
        await enforce.ClickAsync();
        await Assertions.Expect(enforce).ToHaveCountAsync(0);

        await Assertions.Expect(page.GetByText("MTA-STS for admin.example: enforce.", new() { Exact = false })).ToBeVisibleAsync();
        var setting = await ((IMtaStsStore)web.Server.Services.GetService(typeof(IMtaStsStore))!).GetMtaStsAsync("admin.example", default);
        Assert.Equal(MtaStsMode.Enforce, setting!.Mode);
        await page.SetViewportSizeAsync(390, 844);
        await WebFixture.ScreenshotAsync(page, "admin-domains-mta-sts-phone");
    }
}

file static class SpamWebFixtureExtensions
{
    public static async Task<IPage> SignInAsync(this SpamWebFixture web, Account account, int width = 1400, int height = 900)
    {
        var page = await web.Browser.NewPageAsync(width, height);
        await Webmail.Testing.Browser.SignInAsync(page, web.Server, account.Address);
        return page;
    }
}
