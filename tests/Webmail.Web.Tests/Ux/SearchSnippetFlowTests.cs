using Microsoft.Playwright;

namespace Webmail.Web.Tests.Ux;

/// <summary>Search results in a real Chromium: a word deep in a long body shows in its context, marked, and the body's markup stays text.</summary>
public sealed class SearchSnippetFlowTests(WebFixture web) : IClassFixture<WebFixture>
{
    private static string Filler(string word, int count) => string.Join(" ", Enumerable.Range(1, count).Select(i => $"{word}{i}"));

    [Fact]
    public async Task AWordDeepInTheBodyShowsInContextAsText()
    {
        var account = await web.NewAccountAsync("snippet");
        await web.DeliverAsync(account, "Quarterly numbers",
            "Hello team, the quarterly report follows. " + Filler("line", 300) +
            " The reconciliation spreadsheet is ready: <script>alert(1)</script> and <mark>not ours</mark>. " + Filler("tail", 100));
        await web.DeliverAsync(account, "Reconciliation meeting", "Let us meet on Monday.");
        var page = await web.SignInAsync(account, 1280, 900);
        await Assertions.Expect(page.Locator(".message-row", new() { HasText = "Quarterly numbers" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" }).PressSequentiallyAsync("reconciliation ");
        await Assertions.Expect(page.Locator(".message-row")).ToHaveCountAsync(2);

        // The deep match: the words around it, the match marked, the body's own tags shown as text.
        var deep = page.Locator(".message-row", new() { HasText = "Quarterly numbers" }).Locator(".message-preview");
        await Assertions.Expect(deep.Locator("mark")).ToHaveTextAsync(["reconciliation"]);
        await Assertions.Expect(deep).ToContainTextAsync("reconciliation spreadsheet is ready: <script>alert(1)</script> and <mark>not ours</mark");
        await Assertions.Expect(deep).Not.ToContainTextAsync("Hello team");
        await Assertions.Expect(page.Locator(".message-list script, .message-list mark:not(.search-mark)")).ToHaveCountAsync(0);
        // A match only in the subject keeps the preview, unmarked.
        var subjectOnly = page.Locator(".message-row", new() { HasText = "Reconciliation meeting" });
        await Assertions.Expect(subjectOnly.Locator(".message-subject mark")).ToHaveTextAsync("Reconciliation");
        await Assertions.Expect(subjectOnly.Locator(".message-preview")).ToHaveTextAsync("Let us meet on Monday.");
        await Screens.TakeAsync(page, "search-snippet");
        await page.Context.CloseAsync();
    }
}
