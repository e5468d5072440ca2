using System.Text;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The web search (<see cref="SearchDocument"/>: the SQLite FTS5 rules on a GIN-indexed tsvector) and its highlights.</summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>Search results are counted exactly up to this many; beyond it the total is a lower bound (as on SQLite).</summary>
    public const int SearchCountLimit = 1000;

    /// <summary>Tokens around the match that the preview's snippet keeps (FTS5 <c>snippet()</c>'s count on SQLite).</summary>
    public const int SnippetTokens = 24;

    public async Task<Page<MessageSummary>> SearchAsync(long accountId, SearchQuery query, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        var where = new StringBuilder("m.account_id = @a");
        var match = SearchDocument.Query(query);
        var from = "messages m";
        if (match.Length > 0)
        {
            from = "message_search s JOIN messages m ON m.id = s.message_id";
            where.Append(" AND s.document @@ @q::tsquery");
        }
        if (query.FolderId is not null)
            where.Append(" AND m.folder_id = @f");
        if (query.HasAttachment is { } att)
            where.Append(att ? " AND m.has_attachments" : " AND NOT m.has_attachments");
        if (query.IsUnread is { } unread)
            where.Append(unread ? " AND (m.flags & 1) = 0" : " AND (m.flags & 1) = 1");
        if (query.IsFlagged is { } flagged)
            where.Append(flagged ? " AND (m.flags & 4) = 4" : " AND (m.flags & 4) = 0");
        if (query.Before is not null)
            where.Append(" AND m.internal_date < @before");
        if (query.After is not null)
            where.Append(" AND m.internal_date >= @after");
        // Newest first: by arrival (id) for a text match, as SQLite walks its index backwards; by date otherwise.
        var order = match.Length > 0 ? "m.id DESC" : "m.internal_date DESC, m.id DESC";

        PostgresStatement Bind(PostgresStatement statement)
        {
            statement = statement.With("a", accountId);
            if (match.Length > 0)
                statement = statement.With("q", match);
            if (query.FolderId is { } folderId)
                statement = statement.With("f", folderId);
            if (query.Before is { } before)
                statement = statement.With("before", before.ToUnixMs());
            if (query.After is { } after)
                statement = statement.With("after", after.ToUnixMs());
            return statement;
        }

        return await ReadAsync(async unit =>
        {
            // Count no further than needed to page one step past this page (at least SearchCountLimit): a common word
            // matches a third of a big mailbox and counting it all costs more than the page.
            var countLimit = Math.Max(SearchCountLimit, (pageIndex + 1L) * pageSize) + 1;
            var counted = await Bind(unit.Sql($"SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {where} LIMIT @limit) AS hits")).With("limit", countLimit).LongAsync().ConfigureAwait(false);
            var lowerBound = counted == countLimit;
            var items = await Bind(unit.Sql($"SELECT {MessageRows.SummaryColumns} FROM {from} WHERE {where} ORDER BY {order} LIMIT @n OFFSET @o"))
                .With("n", (long)pageSize).With("o", (long)pageIndex * pageSize).ListAsync(MessageRows.ReadSummary).ConfigureAwait(false);
            return new Page<MessageSummary>(items, lowerBound ? counted - 1 : counted, pageIndex, pageSize, lowerBound);
        }, cancellationToken, snapshot: true).ConfigureAwait(false);
    }

    /// <summary>Most messages per call whose body is read for a snippet (a page of results is fewer).</summary>
    public const int MaxBodySnippets = 100;

    /// <summary>How much of a stored message is read for its body snippet (the text part comes before the attachments in practically all mail).</summary>
    public const int MaxSnippetSourceBytes = 1024 * 1024;

    /// <summary>
    /// Marks the query's free words and subject words in the page's subjects and previews, as FTS5's <c>highlight()</c>
    /// and <c>snippet()</c> do on SQLite: tokens compared by the index's rules (<see cref="SearchDocument.Tokens"/>), the
    /// typed last word as a prefix. A message whose preview holds none of the words but whose indexed body holds a free
    /// word gets its snippet from the body text, parsed from the stored bytes as delivery indexed it.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, SearchMarks>> HighlightAsync(SearchQuery query, IReadOnlyList<MessageSummary> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(messages);
        var terms = new List<(List<string> Tokens, bool Prefix)>();
        for (var i = 0; i < query.Terms.Count; i++)
            terms.Add((SearchDocument.TermTokens(query.Terms[i]), query.LastTermIsPrefix && i == query.Terms.Count - 1));
        terms.AddRange(query.Subject.Select(s => (SearchDocument.TermTokens(s), false)));
        terms.RemoveAll(t => t.Tokens.Count == 0);
        var marks = new Dictionary<long, SearchMarks>();
        if (terms.Count == 0 || messages.Count == 0)
            return marks;
        var page = messages.Take(500).ToList();
        foreach (var message in page)
        {
            var subject = WithoutMarks(message.Subject);
            var subjectSpans = Matches(SearchDocument.Tokens(subject).ToList(), terms);
            var snippet = Snippet(WithoutMarks(message.Preview), terms);
            if (subjectSpans.Count > 0 || snippet.Count > 0)
                marks[message.Id] = new SearchMarks(Runs(subject, 0, subject.Length, subjectSpans), snippet);
        }
        var inBody = SearchDocument.FreeWordsInBody(query);
        var withoutSnippet = page.Where(m => !(marks.TryGetValue(m.Id, out var found) && found.Snippet.Count > 0)).Take(MaxBodySnippets).ToList();
        if (inBody.Length == 0 || withoutSnippet.Count == 0)
            return marks;
        // The index answers which bodies hold a free word: a message that matched by its subject or sender alone is never read.
        var bodies = await ReadAsync(unit => unit.Sql("SELECT s.message_id, substring(r.raw FROM 1 FOR @max) FROM message_search s JOIN message_raw r ON r.message_id = s.message_id " +
                "WHERE s.message_id = ANY(@ids) AND s.document @@ @q::tsquery")
            .With("ids", withoutSnippet.Select(m => m.Id).ToArray()).With("q", inBody).With("max", MaxSnippetSourceBytes)
            .ListAsync(r => (Id: r.GetInt64(0), Raw: (byte[])r.GetValue(1))), cancellationToken).ConfigureAwait(false);
        foreach (var (id, raw) in bodies)
        {
            var snippet = Snippet(WithoutMarks(MessageParser.BodyText(raw, MaxMimeDepth)), terms);
            if (snippet.Count == 0)
                continue;
            var subject = marks.TryGetValue(id, out var earlier) ? earlier.Subject : [new MarkedRun(WithoutMarks(page.First(m => m.Id == id).Subject), false)];
            marks[id] = new SearchMarks(subject, SearchMarks.LeadUpTo(snippet));
        }
        return marks;
    }

    // SQLite's highlights replace its two marker characters with spaces; the same text comes back here.
    private static string WithoutMarks(string text) =>
        text.Contains('\u0001') || text.Contains('\u0002') ? text.Replace('\u0001', ' ').Replace('\u0002', ' ') : text;

    /// <summary>A phrase instance: its characters, its tokens, and which term it is.</summary>
    private readonly record struct Hit(int Start, int End, int Token, int Tokens, int Term);

    /// <summary>Every phrase instance of the terms in the tokens, in text order.</summary>
    private static List<Hit> Matches(List<SearchDocument.Token> tokens, List<(List<string> Tokens, bool Prefix)> terms)
    {
        var hits = new List<Hit>();
        for (var i = 0; i < tokens.Count; i++)
        {
            for (var t = 0; t < terms.Count; t++)
            {
                var (phrase, prefix) = terms[t];
                if (i + phrase.Count > tokens.Count)
                    continue;
                var all = true;
                for (var k = 0; k < phrase.Count && all; k++)
                    all = prefix && k == phrase.Count - 1 ? tokens[i + k].Text.StartsWith(phrase[k], StringComparison.Ordinal) : tokens[i + k].Text == phrase[k];
                if (all)
                {
                    var end = tokens[i + phrase.Count - 1];
                    hits.Add(new Hit(tokens[i].Start, end.Start + end.Length, i, phrase.Count, t));
                }
            }
        }
        return hits;
    }

    /// <summary>
    /// FTS5's <c>snippet()</c> over one text: empty without a match; the whole text when it has at most
    /// <see cref="SnippetTokens"/> tokens; else the window of that many tokens that FTS5 picks (the one holding the
    /// most distinct words, centred on them, or starting at a sentence that still holds them), "…" where text was cut.
    /// </summary>
    private static List<MarkedRun> Snippet(string text, List<(List<string> Tokens, bool Prefix)> terms)
    {
        var tokens = SearchDocument.Tokens(text).ToList();
        var hits = Matches(tokens, terms);
        if (hits.Count == 0)
            return [];
        if (tokens.Count <= SnippetTokens)
            return Runs(text, 0, text.Length, hits);
        var sentences = SentenceStarts(text, tokens);
        var (best, bestScore) = (0, -1);
        foreach (var hit in hits)
        {
            var (score, first, last) = Score(hits, hit.Token);
            // Centred on the words the window holds (fts5SnippetScore's iAdj).
            var start = Math.Clamp(first - (SnippetTokens - (last - first)) / 2, 0, tokens.Count - SnippetTokens);
            if (score > bestScore)
                (best, bestScore) = (start, score);
            // A window that starts at the hit's sentence wins with a bonus when it still holds as much.
            var sentence = sentences.LastOrDefault(s => s <= hit.Token, 0);
            if (sentence < hit.Token)
            {
                var (atSentence, _, _) = Score(hits, sentence);
                atSentence += sentence == 0 ? 120 : 100;
                if (atSentence > bestScore)
                    (best, bestScore) = (sentence, atSentence);
            }
        }
        var lastToken = Math.Min(best + SnippetTokens, tokens.Count) - 1;
        var from = best == 0 ? 0 : tokens[best].Start;
        var to = lastToken == tokens.Count - 1 ? text.Length : tokens[lastToken].Start + tokens[lastToken].Length;
        var runs = new List<MarkedRun>();
        if (best > 0)
            runs.Add(new MarkedRun("…", false));
        runs.AddRange(Runs(text, from, to, hits));
        if (to < text.Length)
            runs.Add(new MarkedRun("…", false));
        return Merge(runs);
    }

    /// <summary>fts5SnippetScore: 1000 for each distinct term in the window from <paramref name="start"/>, 1 for each repeat; the window's first and last matched token.</summary>
    private static (int Score, int First, int Last) Score(List<Hit> hits, int start)
    {
        var seen = new HashSet<int>();
        int score = 0, first = -1, last = 0;
        foreach (var hit in hits)
        {
            if (hit.Token < start || hit.Token >= start + SnippetTokens)
                continue;
            score += seen.Add(hit.Term) ? 1000 : 1;
            if (first < 0)
                first = hit.Token;
            last = hit.Token + hit.Tokens;
        }
        return (score, Math.Max(first, start), last);
    }

    /// <summary>The tokens that start a sentence, as FTS5's snippet sees them: the first, and each after a '.' or ':' followed by a space.</summary>
    private static List<int> SentenceStarts(string text, List<SearchDocument.Token> tokens)
    {
        var starts = new List<int> { 0 };
        for (var i = 1; i < tokens.Count; i++)
        {
            var gap = text.AsSpan(tokens[i - 1].Start + tokens[i - 1].Length, tokens[i].Start - tokens[i - 1].Start - tokens[i - 1].Length);
            var stop = gap.IndexOfAny('.', ':');
            if (stop >= 0 && gap[(stop + 1)..].ContainsAny(' ', '\t', '\n'))
                starts.Add(i);
        }
        return starts;
    }

    /// <summary>The text between <paramref name="from"/> and <paramref name="to"/> cut into plain and matched runs.</summary>
    private static List<MarkedRun> Runs(string text, int from, int to, List<Hit> hits)
    {
        var runs = new List<MarkedRun>();
        var at = from;
        foreach (var (start, end) in Spans(hits))
        {
            if (end <= from || start >= to)
                continue;
            var s = Math.Max(start, from);
            var e = Math.Min(end, to);
            if (s > at)
                runs.Add(new MarkedRun(text[at..s], false));
            runs.Add(new MarkedRun(text[s..e], true));
            at = e;
        }
        if (at < to)
            runs.Add(new MarkedRun(text[at..to], false));
        return runs;
    }

    /// <summary>The hits' character spans, merged where they overlap or touch (FTS5 marks a run of matched tokens as one).</summary>
    private static List<(int Start, int End)> Spans(List<Hit> hits)
    {
        var merged = new List<(int Start, int End)>();
        foreach (var hit in hits.OrderBy(h => h.Start))
        {
            if (merged.Count > 0 && hit.Start <= merged[^1].End)
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, hit.End));
            else
                merged.Add((hit.Start, hit.End));
        }
        return merged;
    }

    /// <summary>Joins neighbouring plain runs (the ellipses and the text next to them).</summary>
    private static List<MarkedRun> Merge(List<MarkedRun> runs)
    {
        var merged = new List<MarkedRun>();
        foreach (var run in runs)
        {
            if (merged.Count > 0 && !run.Match && !merged[^1].Match)
                merged[^1] = new MarkedRun(merged[^1].Text + run.Text, false);
            else
                merged.Add(run);
        }
        return merged;
    }
}
