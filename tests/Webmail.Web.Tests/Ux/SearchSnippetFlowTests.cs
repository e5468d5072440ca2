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

    [Fact]
    public async Task OnAPhoneTheSnippetHasALineOfItsOwnAndItsMatchIsOnScreen()
    {
        var account = await web.NewAccountAsync("snippetphone");
        await web.DeliverAsync(account, "A rather long subject line about the quarterly numbers for the whole team",
            "Hello team. " + Filler("line", 300) + " The reconciliation spreadsheet is ready. " + Filler("tail", 100));
        var page = await web.SignInAsync(account, 390, 844);
        var row = page.Locator(".message-row", new() { HasText = "quarterly numbers" });
        await Assertions.Expect(row).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" }).PressSequentiallyAsync("reconciliation ");
        var mark = row.Locator(".message-preview mark");
        await Assertions.Expect(mark).ToHaveTextAsync("reconciliation");

        // The snippet starts on a line below the subject, and the marked word lies inside the row, not past its edge.
        var subject = (await row.Locator(".message-subject").BoundingBoxAsync())!;
        var preview = (await row.Locator(".message-preview").BoundingBoxAsync())!;
        var marked = (await mark.BoundingBoxAsync())!;
        var link = (await row.Locator(".message-link").BoundingBoxAsync())!;
        Assert.True(preview.Y >= subject.Y + subject.Height - 1, $"the snippet (y {preview.Y}) is not below the subject (y {subject.Y}, h {subject.Height})");
        Assert.True(marked.X >= link.X && marked.X + marked.Width <= link.X + link.Width,
            $"the match ({marked.X}..{marked.X + marked.Width}) is cut off by the row ({link.X}..{link.X + link.Width})");
        await Screens.TakeAsync(page, "search-snippet-phone");
        await page.Context.CloseAsync();
    }
}
