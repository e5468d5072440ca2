using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>The web search's semantics over a real SQLite store: all folders, a prefix for the word being typed, highlights.</summary>
public abstract class SearchTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider);
    private Account _user = null!;
    private Folder _inbox = null!;
    private Folder _archive = null!;

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("finder@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
        _archive = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Archive, default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<string[]> SearchAsync(string text, long? folderId = null) =>
        (await _store.Messages.SearchAsync(_user.Id, SearchQuery.Parse(text, folderId), 0, 50, default)).Items.Select(m => m.Subject).Order().ToArray();

    [Fact]
    public async Task TheWordBeingTypedMatchesAsAPrefix()
    {
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Invoice 42", body: "Please pay."), MessageFlags.None);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Involved parties", body: "Meeting notes."), MessageFlags.None);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Lunch", body: "An invitation."), MessageFlags.None);

        Assert.Equal(["Invoice 42", "Involved parties"], await SearchAsync("invo"));
        Assert.Equal(["Invoice 42"], await SearchAsync("invoi"));
        // Only the last word is a prefix, and only while it is typed: a space ends it, quotes make a word exact.
        Assert.Empty(await SearchAsync("invo "));
        Assert.Empty(await SearchAsync("\"invo\""));
        Assert.Empty(await SearchAsync("invo pay"));
        Assert.Equal(["Invoice 42"], await SearchAsync("pay invo"));
        Assert.Equal(["Lunch"], await SearchAsync("an invit"));
        // FTS syntax typed into the box stays text.
        Assert.Empty(await SearchAsync("invo* OR NEAR(x"));
    }

    [Fact]
    public async Task SearchWithoutAFolderCoversEveryFolderAndInNamesOne()
    {
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Budget draft", body: "numbers"), MessageFlags.None);
        await _store.Messages.AppendAsync(_user.Id, _archive.Id, TestMessages.Simple(subject: "Budget final", body: "numbers"), MessageFlags.Seen);

        Assert.Equal(["Budget draft", "Budget final"], await SearchAsync("budget"));
        Assert.Equal(["Budget draft"], await SearchAsync("budget", _inbox.Id));
        var parsed = SearchQuery.Parse("budget in:Archive");
        Assert.Equal("Archive", parsed.FolderName);
        Assert.Equal(["budget"], parsed.Terms);
        Assert.Equal(["Budget final"], (await _store.Messages.SearchAsync(_user.Id, parsed with { FolderId = _archive.Id }, 0, 50, default)).Items.Select(m => m.Subject));
    }

    [Fact]
    public async Task HighlightsMarkTheMatchedWordsOfSubjectAndPreviewAsText()
    {
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "<b>Invoice</b> for Café Ünter", body: "Dear customer, the invoice is attached. Invoices are due in 30 days."), MessageFlags.None);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Weekly notes", body: "Nothing about money here, just notes."), MessageFlags.None);
        var query = SearchQuery.Parse("cafe invo");
        var results = (await _store.Messages.SearchAsync(_user.Id, query, 0, 50, default)).Items;
        var hit = Assert.Single(results);

        var marks = await _store.Messages.HighlightAsync(query, results, default);

        var subject = marks[hit.Id].Subject;
        // The subject's markup is text in a run, never parsed; diacritics fold as the index folds them.
        Assert.Equal("<b>Invoice</b> for Café Ünter", string.Concat(subject.Select(r => r.Text)));
        Assert.Equal(["Invoice", "Café"], subject.Where(r => r.Match).Select(r => r.Text));
        var snippet = marks[hit.Id].Snippet;
        Assert.Equal(["invoice", "Invoices"], snippet.Where(r => r.Match).Select(r => r.Text));
        Assert.StartsWith("Dear customer", string.Concat(snippet.Select(r => r.Text)));

        // A message whose text has no matching word is left out; a query of operators only marks nothing.
        var other = (await _store.Messages.SearchAsync(_user.Id, SearchQuery.Parse("notes"), 0, 50, default)).Items;
        Assert.Empty(await _store.Messages.HighlightAsync(query, other, default));
        Assert.Empty(await _store.Messages.HighlightAsync(SearchQuery.Parse("is:unread"), results, default));
    }

    [Fact]
    public async Task HighlightMarkersInTheTextCannotForgeAMatch()
    {
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "a\u0001forged\u0002 word report", body: "report body"), MessageFlags.None);
        var query = SearchQuery.Parse("report");
        var results = (await _store.Messages.SearchAsync(_user.Id, query, 0, 50, default)).Items;

        var marks = await _store.Messages.HighlightAsync(query, results, default);

        Assert.Equal(["report"], Assert.Single(marks).Value.Subject.Where(r => r.Match).Select(r => r.Text));
    }

    private static string Filler(string word, int count) => string.Join(" ", Enumerable.Range(1, count).Select(i => $"{word}{i}"));

    [Fact]
    public async Task AMatchDeepInALongBodyShowsASnippetAroundIt()
    {
        var body = "Quarterly report attached. " + Filler("filler", 400) + " The reconciliation spreadsheet is ready for review. " + Filler("tail", 400);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Q3 numbers", body: body), MessageFlags.None);
        var query = SearchQuery.Parse("reconcil");
        var hit = Assert.Single((await _store.Messages.SearchAsync(_user.Id, query, 0, 50, default)).Items);
        Assert.DoesNotContain("reconciliation", hit.Preview);

        var marks = await _store.Messages.HighlightAsync(query, [hit], default);

        var snippet = marks[hit.Id].Snippet;
        Assert.Equal(["reconciliation"], snippet.Where(r => r.Match).Select(r => r.Text));
        var text = string.Concat(snippet.Select(r => r.Text));
        // The words around the match, cut at both ends, not the body's beginning.
        // The match comes first: four words lead up to it, so a one-line row shows it.
        Assert.StartsWith("…filler398 filler399 filler400 The reconciliation", text);
        Assert.EndsWith("…", text);
        Assert.Contains("The reconciliation spreadsheet is ready", text);
        Assert.DoesNotContain("Quarterly", text);
        Assert.True(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= SqliteMessageStore.SnippetTokens + 2, text);
        Assert.DoesNotContain(marks[hit.Id].Subject, r => r.Match);
    }

    [Fact]
    public async Task AMatchOnlyInTheSubjectKeepsThePreview()
    {
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Reconciliation due", body: "Please see the numbers below. " + Filler("row", 300)), MessageFlags.None);
        // subject: matches the subject only; a word the body lacks is no reason to read the body.
        foreach (var text in new[] { "reconciliation", "subject:reconciliation" })
        {
            var query = SearchQuery.Parse(text);
            var hit = Assert.Single((await _store.Messages.SearchAsync(_user.Id, query, 0, 50, default)).Items);

            var marks = await _store.Messages.HighlightAsync(query, [hit], default);

            Assert.Equal(["Reconciliation"], marks[hit.Id].Subject.Where(r => r.Match).Select(r => r.Text));
            Assert.Empty(marks[hit.Id].Snippet);
        }
    }

    [Fact]
    public async Task SeveralWordsAreMarkedInOneSnippet()
    {
        var body = Filler("intro", 200) + " budget meeting moved to the Lisbon office on Friday " + Filler("outro", 200);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Changes", body: body), MessageFlags.None);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Budget only", body: Filler("x", 100) + " budget"), MessageFlags.None);
        var query = SearchQuery.Parse("lisbon budget fri");
        var hit = Assert.Single((await _store.Messages.SearchAsync(_user.Id, query, 0, 50, default)).Items);

        var marks = await _store.Messages.HighlightAsync(query, [hit], default);

        Assert.Equal(["budget", "Lisbon", "Friday"], marks[hit.Id].Snippet.Where(r => r.Match).Select(r => r.Text));
    }

    [Fact]
    public async Task ABodySnippetIsTextWhateverTheBodyHolds()
    {
        var body = Filler("pad", 200) + " the real payload word <script>alert(1)</script> <mark>fake</mark> \u0001forged\u0002 " + Filler("end", 50);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Hostile", body: body), MessageFlags.None);
        var query = SearchQuery.Parse("payload");
        var hit = Assert.Single((await _store.Messages.SearchAsync(_user.Id, query, 0, 50, default)).Items);

        var marks = await _store.Messages.HighlightAsync(query, [hit], default);

        var snippet = marks[hit.Id].Snippet;
        Assert.Equal(["payload"], snippet.Where(r => r.Match).Select(r => r.Text));
        var text = string.Concat(snippet.Select(r => r.Text));
        Assert.Contains("payload word <script>alert(1)</script> <mark>fake</mark>", text);
        Assert.DoesNotContain('\u0001', text);
    }

    [Fact]
    public void BeforeAndAfterDaysStartAtTheUsersMidnight()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var query = SearchQuery.Parse("after:2026-12-05 before:2026-07-01", zone: berlin);

        Assert.Equal(new DateTimeOffset(2026, 12, 4, 23, 0, 0, TimeSpan.Zero), query.After);
        Assert.Equal(new DateTimeOffset(2026, 6, 30, 22, 0, 0, TimeSpan.Zero), query.Before);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero), SearchQuery.Parse("after:2026-12-05").After);
    }

    [Fact]
    public void OverlongSearchTextIsCutBeforeItIsParsed()
    {
        var query = SearchQuery.Parse(string.Join(' ', Enumerable.Repeat("word", 1000)));
        Assert.True(query.Terms.Count <= SearchQuery.MaxLength / 5 + 1);
    }
}

public sealed class SearchTestsOnSqlite() : SearchTests(StoreProvider.Sqlite);

public sealed class SearchTestsOnPostgres() : SearchTests(StoreProvider.Postgres);
