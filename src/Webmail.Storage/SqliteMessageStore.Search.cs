using System.Text;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>Search results' highlights (FTS5 <c>highlight()</c> and <c>snippet()</c>).</summary>
public sealed partial class SqliteMessageStore
{
    // The index is contentless (content = ''): FTS5's highlight() and snippet() have no text to work
    // on there and return NULL. The page's subjects and previews (at most a page of rows) go into a
    // connection-private temporary FTS5 table with the index's tokenizer, and the same words are
    // matched there, so a word is marked exactly when the index matched it.
    private const char MarkStart = '\u0001';
    private const char MarkEnd = '\u0002';

    /// <summary>Tokens around the match that the preview's snippet keeps.</summary>
    public const int SnippetTokens = 24;

    public async Task<IReadOnlyDictionary<long, SearchMarks>> HighlightAsync(SearchQuery query, IReadOnlyList<MessageSummary> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(messages);
        var match = HighlightMatch(query);
        if (match.Length == 0 || messages.Count == 0)
            return new Dictionary<long, SearchMarks>();
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_marks USING fts5(subject, preview, tokenize = 'unicode61 remove_diacritics 2'); DELETE FROM temp.search_marks;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                command.CommandText = "INSERT INTO temp.search_marks (rowid, subject, preview) VALUES ($id, $s, $p)";
                foreach (var message in messages.Take(500))
                {
                    command.Parameters.Clear();
                    command.With("$id", message.Id).With("$s", WithoutMarks(message.Subject)).With("$p", WithoutMarks(message.Preview));
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                command.Parameters.Clear();
                command.CommandText = "SELECT rowid, highlight(search_marks, 0, char(1), char(2)), snippet(search_marks, 1, char(1), char(2), '…', $n) FROM temp.search_marks WHERE search_marks MATCH $q";
                command.With("$q", match).With("$n", SnippetTokens);
                var marks = new Dictionary<long, SearchMarks>();
                using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (reader.Read())
                    {
                        var subject = Runs(reader.IsDBNull(1) ? "" : reader.GetString(1));
                        var snippet = Runs(reader.IsDBNull(2) ? "" : reader.GetString(2));
                        // A preview without a match keeps its own beginning (the list shows the preview then).
                        marks[reader.GetInt64(0)] = new SearchMarks(subject, snippet.Any(r => r.Match) ? snippet : []);
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

    /// <summary>Any of the query's free words and subject words, in the subject or the preview (each quoted: user text is never FTS syntax).</summary>
    internal static string HighlightMatch(SearchQuery query)
    {
        var words = new List<string>();
        for (var i = 0; i < query.Terms.Count; i++)
        {
            var quoted = QuoteForMatch(query.Terms[i]);
            if (quoted.Length > 0)
                words.Add(query.LastTermIsPrefix && i == query.Terms.Count - 1 ? quoted + "*" : quoted);
        }
        words.AddRange(query.Subject.Select(QuoteForMatch).Where(q => q.Length > 0));
        return string.Join(" OR ", words);
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
