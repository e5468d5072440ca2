using System.Text;
using Microsoft.Data.Sqlite;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>Search results' highlights (FTS5 <c>highlight()</c> and <c>snippet()</c>).</summary>
public sealed partial class SqliteMessageStore
{
    // The index is contentless (content = ''): FTS5's highlight() and snippet() have no text to work
    // on there and return NULL. The page's subjects and previews (at most a page of rows) go into a
    // connection-private temporary FTS5 table with the index's tokenizer, and the same words are
    // matched there, so a word is marked exactly when the index matched it. A message whose preview
    // (the body's first characters) has none of the words but whose indexed body has one gets its
    // body text there instead (parsed from the stored bytes as delivery indexed it), so its snippet
    // shows the words where they are, deep in the body.
    private const char MarkStart = '\u0001';
    private const char MarkEnd = '\u0002';

    /// <summary>Tokens around the match that the preview's snippet keeps.</summary>
    public const int SnippetTokens = 24;

    /// <summary>Most messages per call whose body is read for a snippet (a page of results is fewer).</summary>
    public const int MaxBodySnippets = 100;

    /// <summary>
    /// How much of a stored message is read for its body snippet: the text part comes before the attachments
    /// in practically all mail, and a search page must not parse megabytes of attachments. A match past it
    /// shows the preview.
    /// </summary>
    public const int MaxSnippetSourceBytes = 1024 * 1024;

    public async Task<IReadOnlyDictionary<long, SearchMarks>> HighlightAsync(SearchQuery query, IReadOnlyList<MessageSummary> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(messages);
        var match = HighlightMatch(query);
        if (match.Length == 0 || messages.Count == 0)
            return new Dictionary<long, SearchMarks>();
        var page = messages.Take(500).ToList();
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_marks USING fts5(subject, preview, tokenize = 'unicode61 remove_diacritics 2'); DELETE FROM temp.search_marks;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                command.CommandText = "INSERT INTO temp.search_marks (rowid, subject, preview) VALUES ($id, $s, $p)";
                foreach (var message in page)
                {
                    command.Parameters.Clear();
                    command.With("$id", message.Id).With("$s", WithoutMarks(message.Subject)).With("$p", WithoutMarks(message.Preview));
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                var marks = await ReadMarksAsync(command, match, null, cancellationToken).ConfigureAwait(false);

                var fromBody = await BodiesMatchingAsync(command, query, page.Where(m => !(marks.TryGetValue(m.Id, out var found) && found.Snippet.Count > 0)), cancellationToken).ConfigureAwait(false);
                if (fromBody.Count > 0)
                {
                    command.CommandText = "UPDATE temp.search_marks SET preview = $p WHERE rowid = $id";
                    foreach (var (id, body) in fromBody)
                    {
                        command.Parameters.Clear();
                        command.With("$id", id).With("$p", WithoutMarks(body));
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                    foreach (var (id, found) in await ReadMarksAsync(command, match, fromBody.Keys, cancellationToken).ConfigureAwait(false))
                    {
                        if (found.Snippet.Count > 0)
                            marks[id] = new SearchMarks(marks.TryGetValue(id, out var earlier) ? earlier.Subject : found.Subject, SearchMarks.LeadUpTo(found.Snippet));
                    }
                }
                return marks;
            }
            finally
            {
                command.Parameters.Clear();
                command.CommandText = "DELETE FROM temp.search_marks";
                command.ExecuteNonQuery();
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subject's highlights and the snippet of the preview column for the rows of temp.search_marks that match (all, or <paramref name="only"/>).</summary>
    private static async Task<Dictionary<long, SearchMarks>> ReadMarksAsync(SqliteCommand command, string match, IEnumerable<long>? only, CancellationToken cancellationToken)
    {
        command.Parameters.Clear();
        command.CommandText = "SELECT rowid, highlight(search_marks, 0, char(1), char(2)), snippet(search_marks, 1, char(1), char(2), '…', $n) FROM temp.search_marks WHERE search_marks MATCH $q" +
            (only is null ? "" : $" AND rowid IN ({string.Join(",", only)})");
        command.With("$q", match).With("$n", SnippetTokens);
        var marks = new Dictionary<long, SearchMarks>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (reader.Read())
        {
            var subject = Runs(reader.IsDBNull(1) ? "" : reader.GetString(1));
            var snippet = Runs(reader.IsDBNull(2) ? "" : reader.GetString(2));
            // A snippet without a match is left empty: the list shows the preview's own beginning then.
            marks[reader.GetInt64(0)] = new SearchMarks(subject, snippet.Any(r => r.Match) ? snippet : []);
        }
        return marks;
    }

    /// <summary>
    /// The body text of each of <paramref name="candidates"/> (at most <see cref="MaxBodySnippets"/>) whose
    /// indexed body holds one of the query's free words: the index answers which, so a message that matched
    /// by its subject or sender alone is never read.
    /// </summary>
    private static async Task<Dictionary<long, string>> BodiesMatchingAsync(SqliteCommand command, SearchQuery query, IEnumerable<MessageSummary> candidates, CancellationToken cancellationToken)
    {
        var bodies = new Dictionary<long, string>();
        var words = FreeWords(query);
        if (words.Count == 0)
            return bodies;
        var bodyMatch = "body : (" + string.Join(" OR ", words) + ")";
        foreach (var message in candidates.Take(MaxBodySnippets))
        {
            command.Parameters.Clear();
            command.CommandText = "SELECT substr(r.raw, 1, $max) FROM message_fts f JOIN message_raw r ON r.message_id = f.rowid WHERE f.message_fts MATCH $q AND f.rowid = $id";
            command.With("$q", bodyMatch).With("$id", message.Id).With("$max", MaxSnippetSourceBytes);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is byte[] raw)
                bodies[message.Id] = MessageParser.BodyText(raw);
        }
        return bodies;
    }

    /// <summary>Any of the query's free words and subject words, in the subject or the preview (each quoted: user text is never FTS syntax).</summary>
    internal static string HighlightMatch(SearchQuery query) =>
        string.Join(" OR ", FreeWords(query).Concat(query.Subject.Select(QuoteForMatch).Where(q => q.Length > 0)));

    /// <summary>The query's free words, quoted, the last one a prefix while it is typed.</summary>
    private static List<string> FreeWords(SearchQuery query)
    {
        var words = new List<string>();
        for (var i = 0; i < query.Terms.Count; i++)
        {
            var quoted = QuoteForMatch(query.Terms[i]);
            if (quoted.Length > 0)
                words.Add(query.LastTermIsPrefix && i == query.Terms.Count - 1 ? quoted + "*" : quoted);
        }
        return words;
    }

    private static string QuoteForMatch(string value)
    {
        var clean = new string(value.Where(c => !char.IsControl(c)).ToArray()).Replace("\"", "\"\"").Trim();
        return clean.Length == 0 ? "" : "\"" + clean + "\"";
    }

    private static string WithoutMarks(string text) =>
        text.Contains(MarkStart) || text.Contains(MarkEnd) ? text.Replace(MarkStart, ' ').Replace(MarkEnd, ' ') : text;

    /// <summary>Cuts highlight()'s output at its markers into plain and matched runs.</summary>
    internal static List<MarkedRun> Runs(string marked)
    {
        var runs = new List<MarkedRun>();
        var current = new StringBuilder();
        var inMatch = false;
        foreach (var c in marked)
        {
            if (c is MarkStart or MarkEnd)
            {
                if (current.Length > 0)
                    runs.Add(new MarkedRun(current.ToString(), inMatch));
                current.Clear();
                inMatch = c == MarkStart;
                continue;
            }
            current.Append(c);
        }
        if (current.Length > 0)
            runs.Add(new MarkedRun(current.ToString(), inMatch));
        return runs;
    }
}
