using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Web.Tests.Filters;

/// <summary>
/// Settings → Filters in Chromium: rules made, reloaded, reordered and turned off; the vacation reply
/// with dates; the raw editor's errors at their line; "Filter messages like this"; and a rule run on
/// mail already stored. What the browser did is checked in the stored script and the store.
/// </summary>
public sealed class FilterFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private SieveScriptService Scripts => web.Server.Services.GetRequiredService<SieveScriptService>();

    private async Task<IPage> OpenFiltersAsync(Account account, string query = "", int width = 1400, int height = 900, ColorScheme scheme = ColorScheme.Light)
    {
        var page = await web.SignInAsync(account, width, height);
        // The theme follows the device ("Same as the device" is the default) as the page starts.
        await page.EmulateMediaAsync(new() { ColorScheme = scheme });
        await page.GotoAsync(web.Server.BaseUrl + "/settings/filters" + query);
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Filters and vacation reply" }).WaitForAsync();
        return page;
    }

    /// <summary>Picks a MudSelect option and waits for its list to close (a click while it is open lands on its overlay).</summary>
    private static async Task ChooseAsync(IPage page, string label, string option)
    {
        await page.GetByLabel(label, new() { Exact = true }).ClickAsync();
        var item = page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true });
        await item.ClickAsync();
        await Assertions.Expect(item).ToHaveCountAsync(0);
    }

    private async Task<string?> ActiveScriptAsync(Account account) =>
        await Scripts.GetActiveAsync(account.Id, default) is { } active ? await Scripts.GetAsync(account.Id, active.Name, default) : null;

    private static async Task NewRuleAsync(IPage page, string name, string fromContains, string folder)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "New rule", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Rule name")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(name);
        await page.GetByLabel("Condition 1 text").FillAsync(fromContains);
        await ChooseAsync(page, "Action 1 folder", folder);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = name, Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ARuleIsSavedAsTheActiveScriptAndCanBeReorderedAndTurnedOff()
    {
        var account = await web.NewAccountAsync("rules");
        await web.Server.Messages.CreateFolderAsync(account.Id, "News", null, default);
        await web.Server.Messages.CreateFolderAsync(account.Id, "Receipts", null, default);
        var page = await OpenFiltersAsync(account);
        await Assertions.Expect(page.GetByText("No rules yet")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "filters-empty");

        await NewRuleAsync(page, "Newsletters", "news.example", "News");
        // A second rule with two conditions, any of which will do, that also marks the message read.
        await page.GetByRole(AriaRole.Button, new() { Name = "New rule", Exact = true }).ClickAsync();
        await page.GetByLabel("Rule name").FillAsync("Shops");
        await ChooseAsync(page, "Condition 1", "Subject");
        await page.GetByLabel("Condition 1 text").FillAsync("receipt");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a condition" }).ClickAsync();
        await page.GetByLabel("Condition 2 text").FillAsync("shop.example");
        await page.GetByRole(AriaRole.Radio, new() { Name = "matches any of these" }).CheckAsync();
        await ChooseAsync(page, "Action 1 folder", "Receipts");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add an action" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Action 2", new() { Exact = true })).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "filters-rule-editor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
        var shops = page.GetByRole(AriaRole.Listitem, new() { Name = "Shops", Exact = true });
        await Assertions.Expect(shops).ToContainTextAsync("Subject contains \"receipt\", or From contains \"shop.example\": mark as read, move to Receipts");

        var script = await ActiveScriptAsync(account);
        Assert.Equal(FilterScriptKind.Ours, FilterScript.Read(script).Kind);
        Assert.Contains("fileinto \"News\";", script);
        Assert.Contains("anyof (header :contains \"subject\" \"receipt\", header :contains \"from\" \"shop.example\")", script);

        // After a reload the rules are read back from the script, in order.
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);
        var rules = page.GetByRole(AriaRole.List, new() { Name = "Rules" }).GetByRole(AriaRole.Listitem);
        await Assertions.Expect(rules).ToHaveCountAsync(2);
        await Assertions.Expect(rules.Nth(0)).ToHaveAccessibleNameAsync("Newsletters");
        await WebFixture.ScreenshotAsync(page, "filters-rules");

        await page.GetByRole(AriaRole.Button, new() { Name = "Move Shops up" }).ClickAsync();
        await Assertions.Expect(rules.Nth(0)).ToHaveAccessibleNameAsync("Shops");
        await page.GetByRole(AriaRole.Switch, new() { Name = "Rule Newsletters on" }).UncheckAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = "Newsletters", Exact = true })).ToContainTextAsync("Off");

        script = await ActiveScriptAsync(account);
        var reading = FilterScript.Read(script);
        Assert.Equal(["Shops", "Newsletters"], reading.Set!.Rules.Select(r => r.Name));
        Assert.False(reading.Set.Rules[1].Enabled);
        Assert.True(script!.IndexOf("# rule: Shops", StringComparison.Ordinal) < script.IndexOf("# rule: Newsletters (turned off)", StringComparison.Ordinal));

        // Editing keeps the rule's place; the narrow screen shows the same list.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Newsletters" }).ClickAsync();
        await page.GetByLabel("Rule name").FillAsync("News letters");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
        await Assertions.Expect(rules.Nth(1)).ToHaveAccessibleNameAsync("News letters");
        await page.SetViewportSizeAsync(390, 844);
        await WebFixture.ScreenshotAsync(page, "filters-rules-phone");
    }

    [Fact]
    public async Task VacationReplyWithDatesIsWrittenIntoTheScript()
    {
        var account = await web.NewAccountAsync("vacation");
        var page = await web.SignInAsync(account);
        // Reached from Settings.
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Browser.ClickToNavigateAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Open filters" }), new System.Text.RegularExpressions.Regex("/settings/filters$"));
        await page.GetByRole(AriaRole.Tab, new() { Name = "Vacation" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Off." })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Switch, new() { Name = "Send an automatic reply" }).CheckAsync();
        await page.GetByLabel("First day").FillAsync("2026-12-20");
        await page.GetByLabel("Last day").FillAsync("2027-01-05");
        await page.GetByLabel("Days between replies").FillAsync("3");
        await page.GetByLabel("Reply subject").FillAsync("Away until January");
        await page.GetByLabel("Reply message").FillAsync("I am away.\nBack on 6 January.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save vacation reply" }).ClickAsync();
        await Assertions.Expect(page.GetByText("On from 20 December 2026 to 5 January 2027.")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "filters-vacation");

        var script = await ActiveScriptAsync(account);
        Assert.Contains("currentdate :value \"ge\" \"date\" \"2026-12-20\"", script);
        Assert.Contains("vacation :days 3 :subject \"Away until January\" \"I am away.\nBack on 6 January.\";", script);

        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByLabel("Reply subject")).ToHaveValueAsync("Away until January");
        await Assertions.Expect(page.GetByLabel("First day")).ToHaveValueAsync("2026-12-20");
    }

    [Fact]
    public async Task TheRawEditorShowsAnErrorAtItsLineAndSavesOnlyValidScripts()
    {
        var account = await web.NewAccountAsync("raw");
        var page = await OpenFiltersAsync(account, "?tab=advanced");
        await Assertions.Expect(page.GetByText("No scripts", new() { Exact = true })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "New script" }).ClickAsync();
        await page.GetByLabel("Script name").FillAsync("by-hand");
        await page.GetByLabel("Sieve script").FillAsync("require [\"fileinto\"];\n\nif header :contains \"subject\" \"x\" {\n    filein \"X\";\n}\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the script" }).ClickAsync();
        var errors = page.GetByRole(AriaRole.Alert, new() { Name = "Errors in the script" });
        await Assertions.Expect(errors).ToContainTextAsync("Line 4, column 5:");
        await Assertions.Expect(errors).ToContainTextAsync("filein \"X\";");
        await WebFixture.ScreenshotAsync(page, "filters-raw-error");
        Assert.Empty(await Scripts.ListAsync(account.Id, default));

        await page.GetByLabel("Sieve script").FillAsync("require [\"fileinto\"];\n\nif header :contains \"subject\" \"x\" {\n    fileinto \"X\";\n}\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the script" }).ClickAsync();
        await Assertions.Expect(errors).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Close the script" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Make by-hand active" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = "by-hand" })).ToContainTextAsync("Active");

        // A delivery error the service recorded is shown beside the script.
        await Scripts.RecordErrorAsync(account.Id, "by-hand", "line 4: fileinto: there is no folder \"X\"", DateTimeOffset.UtcNow, default);
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = "by-hand" })).ToContainTextAsync("there is no folder \"X\"");
        await WebFixture.ScreenshotAsync(page, "filters-scripts");

        // The rules editor does not overwrite a script written by hand: it says so and offers the raw editor.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Rules" }).ClickAsync();
        await Assertions.Expect(page.GetByText("was written by hand or by another program")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "filters-foreign");
        await page.GetByRole(AriaRole.Button, new() { Name = "Open the script in the raw editor" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Sieve script")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("fileinto \"X\";"));

        // Choosing the rules editor makes its script active from the next save; the hand-written one stays stored.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Rules" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Use the rules editor instead" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Use the rules editor" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New rule", Exact = true }).ClickAsync();
        await page.GetByLabel("Rule name").FillAsync("Everything flagged");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove condition 1" }).ClickAsync();
        await ChooseAsync(page, "Action 1", "Flag");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = "Everything flagged" })).ToContainTextAsync("Every message: flag");
        Assert.Equal(FilterScriptKind.Ours, FilterScript.Read(await ActiveScriptAsync(account)).Kind);
        Assert.Contains(await Scripts.ListAsync(account.Id, default), s => s.Name == "by-hand" && !s.IsActive);
    }

    [Fact]
    public async Task AScriptIsRenamedInPlaceAndASaveOverANewerVersionAsksFirst()
    {
        var account = await web.NewAccountAsync("rename");
        Assert.True((await Scripts.PutAsync(account.Id, "test", "one", "keep;\n", default)).Succeeded);
        var page = await OpenFiltersAsync(account, "?tab=advanced");

        await page.GetByRole(AriaRole.Button, new() { Name = "Rename script one" }).ClickAsync();
        var field = page.GetByLabel("New name for one");
        await Assertions.Expect(field).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("two");
        await WebFixture.ScreenshotAsync(page, "filters-rename");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = "two", Exact = true })).ToBeVisibleAsync();
        Assert.Equal(["two"], (await Scripts.ListAsync(account.Id, default)).Select(s => s.Name));

        // Escape leaves the name as it was.
        await page.GetByRole(AriaRole.Button, new() { Name = "Rename script two" }).ClickAsync();
        await page.Keyboard.TypeAsync("three");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Rename script two" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit script two" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Sieve script")).ToHaveValueAsync("keep;\n");
        // Meanwhile a mail program (or another tab) saves its own version.
        await Task.Delay(5);
        Assert.True((await Scripts.PutAsync(account.Id, "sieve-connect", "two", "discard;\n", default)).Succeeded);
        await page.GetByLabel("Sieve script").FillAsync("stop;\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the script" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("was saved somewhere else");
        await WebFixture.ScreenshotAsync(page, "filters-changed-elsewhere");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal("discard;\n", await Scripts.GetAsync(account.Id, "two", default));

        await page.GetByRole(AriaRole.Button, new() { Name = "Save the script" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Save mine" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Saved \"two\".")).ToBeVisibleAsync();
        Assert.Equal("stop;\n", await Scripts.GetAsync(account.Id, "two", default));
        // Saved here, it is this tab's version now: the next save does not ask.
        await page.GetByLabel("Sieve script").FillAsync("keep;\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the script" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        for (var waited = 0; waited < 100 && await Scripts.GetAsync(account.Id, "two", default) != "keep;\n"; waited++)
            await Task.Delay(50);
        Assert.Equal("keep;\n", await Scripts.GetAsync(account.Id, "two", default));
    }

    [Fact]
    public async Task FilterMessagesLikeThisPrefillsARuleFromTheMessage()
    {
        var account = await web.NewAccountAsync("like");
        var lists = await web.Server.Messages.CreateFolderAsync(account.Id, "Lists", null, default);
        var id = await web.DeliverAsync(account, TestMessages.Simple(from: "Dev List <dev@lists.example>", to: account.Address, subject: "[dev] Release", extraHeaders: "List-Id: Developers <dev.lists.example>\r\n"));
        var page = await web.SignInAsync(account);
        await page.GotoAsync($"{web.Server.BaseUrl}/folder/{(await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default)).Id}/message/{id}");
        await Browser.WaitForInteractiveAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "More actions" }).ClickAsync();
        await Browser.ClickToNavigateAsync(page, page.GetByRole(AriaRole.Menuitem, new() { Name = "Filter messages like this" }), new System.Text.RegularExpressions.Regex("/settings/filters\\?like="));
        await Browser.WaitForInteractiveAsync(page);

        await Assertions.Expect(page.GetByLabel("Rule name")).ToHaveValueAsync("List dev.lists.example");
        await Assertions.Expect(page.GetByLabel("Condition 1 header name")).ToHaveValueAsync("List-Id");
        await Assertions.Expect(page.GetByLabel("Condition 1 text")).ToHaveValueAsync("dev.lists.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Also match the subject" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Condition 2 text")).ToHaveValueAsync("[dev] Release");
        await WebFixture.ScreenshotAsync(page, "filters-like-this");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove condition 2" }).ClickAsync();
        await ChooseAsync(page, "Action 1 folder", "Lists");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = "List dev.lists.example" })).ToBeVisibleAsync();
        Assert.Contains("if header :contains \"List-Id\" \"dev.lists.example\" {\n    fileinto \"Lists\";", await ActiveScriptAsync(account));
        Assert.Equal(0, (await web.Server.Messages.GetFolderAsync(account.Id, lists.Id, default))!.MessageCount);
        await Browser.WaitForUrlAsync(page, url => url.EndsWith("/settings/filters", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunningARuleOnExistingMailMovesTheMatchingMessages()
    {
        var account = await web.NewAccountAsync("existing");
        var news = await web.Server.Messages.CreateFolderAsync(account.Id, "News", null, default);
        var inbox = await web.Server.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
        for (var i = 1; i <= 3; i++)
            await web.DeliverAsync(account, $"Issue {i}", from: "Letters <letters@news.example>");
        var kept = await web.DeliverAsync(account, "Lunch?", from: "friend@remote.example");
        var page = await OpenFiltersAsync(account);
        await NewRuleAsync(page, "Newsletters", "news.example", "News");

        await page.GetByRole(AriaRole.Button, new() { Name = "Run Newsletters on existing mail" }).ClickAsync();
        var panel = page.GetByRole(AriaRole.Region, new() { Name = "Run Newsletters on existing mail" });
        await Assertions.Expect(panel.GetByLabel("Folder to run the rule on")).ToContainTextAsync("Inbox");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
        await Assertions.Expect(panel.GetByRole(AriaRole.Status)).ToContainTextAsync("Done: 4 messages looked at, 3 matched, 3 moved");
        await WebFixture.ScreenshotAsync(page, "filters-run-existing");

        Assert.Equal(3, (await web.Server.Messages.GetFolderAsync(account.Id, news.Id, default))!.MessageCount);
        Assert.Equal(inbox.Id, (await web.Server.Messages.GetSummaryAsync(account.Id, kept, default))!.FolderId);
    }

    [Fact]
    public async Task EveryPartFitsAPhoneInLightAndDark()
    {
        var account = await web.NewAccountAsync("layout");
        await web.Server.Messages.CreateFolderAsync(account.Id, "News", null, default);
        var set = new FilterSet
        {
            Rules =
            [
                new FilterRule { Name = "A rule with a rather long name that has to wrap on a phone", Conditions = [new RuleCondition { Field = RuleField.Header, Header = "List-Id", Value = "announcements.very-long-list-name.lists.example" }], Actions = [new RuleAction { Kind = RuleActionKind.MoveTo, Argument = "News" }, new RuleAction { Kind = RuleActionKind.MarkRead }] },
                new FilterRule { Name = "Forward", Enabled = false, Actions = [new RuleAction { Kind = RuleActionKind.ForwardTo, Argument = "me@phone.example", KeepCopy = true }] },
            ],
            Vacation = new VacationSettings { Enabled = true, Start = new DateOnly(2026, 12, 20), Message = "Away." },
        };
        Assert.True((await web.Server.Services.GetRequiredService<FilterRulesService>().SaveAsync(account.Id, account.Address, set, false, default)).Saved);

        foreach (var (width, height) in new[] { (1400, 900), (390, 844) })
        {
            var page = await OpenFiltersAsync(account, width: width, height: height);
            // One page in both themes: it follows the device's scheme as that changes.
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                await page.EmulateMediaAsync(new() { ColorScheme = scheme });
                await page.WaitForFunctionAsync($"() => document.querySelector('[data-theme]')?.dataset.theme === '{scheme.ToString().ToLowerInvariant()}'");
                var name = $"filters-{(width < 500 ? "phone" : "desktop")}-{scheme.ToString().ToLowerInvariant()}";
                foreach (var tab in new[] { "Rules", "Vacation", "Advanced" })
                {
                    await page.GetByRole(AriaRole.Tab, new() { Name = tab }).ClickAsync();
                    await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = tab })).ToBeInViewportAsync();
                    if (tab == "Rules")
                    {
                        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Forward" }).ClickAsync();
                        await Assertions.Expect(page.GetByLabel("Action 1 address")).ToHaveValueAsync("me@phone.example");
                        await WebFixture.ScreenshotAsync(page, $"{name}-editor");
                        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel editing the rule" }).ClickAsync();
                    }
                    // Nothing pushes the page sideways: a phone shows it without horizontal scrolling.
                    Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), $"{name} {tab} is wider than the screen");
                    await WebFixture.ScreenshotAsync(page, $"{name}-{tab.ToLowerInvariant()}");
                }
            }
            await page.Context.CloseAsync();
        }
    }
}
