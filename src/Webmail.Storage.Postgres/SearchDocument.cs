using System.Globalization;
using System.Text;
using Webmail.Core.Messages;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// The full-text search on PostgreSQL with the SQLite index's rules. Text is cut into tokens here, as FTS5's
/// <c>unicode61 remove_diacritics 2</c> tokenizer cuts it (letters, digits and private-use characters form tokens,
/// everything else separates them; case and diacritics fold; no stemming), and handed to PostgreSQL as a ready
/// <c>tsvector</c> / <c>tsquery</c>, so PostgreSQL's own parser (which keeps <c>lucy@a.example</c> as one token)
/// never decides what a word is. The columns are weights: subject A, sender B, recipients C, body D.
/// </summary>
internal static class SearchDocument
{
    /// <summary>tsvector positions stop at 16383 (PostgreSQL's limit): a phrase deeper in a long body matches its words, not their order.</summary>
    private const int MaxPosition = 16_383;

    /// <summary>PostgreSQL keeps at most 256 positions of a lexeme; more are not needed to find it.</summary>
    private const int MaxPositionsPerLexeme = 255;

    /// <summary>Longer tokens are not indexed (a lexeme may have 2,047 bytes; such tokens are not words anyone searches for).</summary>
    private const int MaxTokenLength = 200;

    /// <summary>The tsvector of a message: subject, sender, recipients, body, as the SQLite index gets them.</summary>
    public static string Build(ParsedMessage parsed) =>
        Build((ReadOnlySpan<(string, char)>)[(parsed.Subject, 'A'), (parsed.FromName + " " + parsed.FromAddress, 'B'), (parsed.To + " " + parsed.Cc, 'C'), (parsed.BodyText, 'D')]);

    /// <summary>The tsvector of text in weighted columns (A to D), positions running on through them with a gap between each.</summary>
    internal static string Build(ReadOnlySpan<(string Text, char Weight)> columns)
    {
        // Called for every stored message: tokens are looked up by span, so a repeated word allocates nothing.
        var lexemes = new Dictionary<string, List<(int Position, char Weight)>>(StringComparer.Ordinal);
        var lookup = lexemes.GetAlternateLookup<ReadOnlySpan<char>>();
        var folded = new StringBuilder();
        Span<char> buffer = stackalloc char[MaxTokenLength];
        var position = 0;
        foreach (var (text, weight) in columns)
        {
            var at = 0;
            while (NextToken(text, ref at, folded, out _, out _))
            {
                position = Math.Min(position + 1, MaxPosition);
                if (folded.Length > MaxTokenLength)
                    continue;
                folded.CopyTo(0, buffer, folded.Length);
                var token = buffer[..folded.Length];
                if (!lookup.TryGetValue(token, out var positions))
                    lookup[token] = positions = [];
                if (positions.Count < MaxPositionsPerLexeme && (positions.Count == 0 || positions[^1].Position != position))
                    positions.Add((position, weight));
            }
            // A gap between columns: a phrase never runs from one column into the next (as in FTS5).
            position = Math.Min(position + 1, MaxPosition);
        }
        var document = new StringBuilder();
        foreach (var (lexeme, positions) in lexemes)
        {
            if (document.Length > 0)
                document.Append(' ');
            AppendQuoted(document, lexeme).Append(':');
            for (var i = 0; i < positions.Count; i++)
            {
                if (i > 0)
                    document.Append(',');
                document.Append(positions[i].Position).Append(positions[i].Weight);
            }
        }
        return document.ToString();
    }

    /// <summary>
    /// The next token of <paramref name="text"/> from <paramref name="at"/>, folded into <paramref name="folded"/>, and
    /// where it stands in the text (<paramref name="start"/> to <paramref name="end"/>): letters, digits and private-use
    /// characters form tokens (unicode61's L*, N* and Co), everything else separates them. Every stored message is cut
    /// by this, so ASCII, most of mail, takes a short path.
    /// </summary>
    private static bool NextToken(string text, ref int at, StringBuilder folded, out int start, out int end)
    {
        folded.Clear();
        start = end = -1;
        while (at < text.Length)
        {
            var c = text[at];
            var here = at;
            bool isToken;
            if (char.IsAscii(c))
            {
                at++;
                isToken = char.IsAsciiLetterOrDigit(c);
                if (isToken)
                    folded.Append(char.ToLowerInvariant(c));
            }
            else
            {
                // An unpaired surrogate is U+FFFD, a separator, as EnumerateRunes gives it.
                if (Rune.DecodeFromUtf16(text.AsSpan(at), out var rune, out var used) != System.Buffers.OperationStatus.Done)
                    rune = Rune.ReplacementChar;
                at += used;
                isToken = IsTokenRune(rune);
                if (isToken)
                    Fold(rune, folded);
            }
            if (isToken)
            {
                if (start < 0)
                    start = here;
                end = at;
            }
            else if (start >= 0)
            {
                return true;
            }
        }
        return start >= 0;
    }

    /// <summary>
    /// The tsquery of a search: every word and phrase a phrase of its tokens, joined by AND; the last free word a prefix
    /// while it is typed; <c>from:</c>, <c>to:</c>, <c>subject:</c> restricted to their column. "" when nothing constrains
    /// (text without a single token, as FTS5's quoted phrase of no tokens).
    /// </summary>
    public static string Query(SearchQuery query)
    {
        var parts = new List<string>();
        for (var i = 0; i < query.Terms.Count; i++)
            parts.Add(Phrase(query.Terms[i], prefix: query.LastTermIsPrefix && i == query.Terms.Count - 1, weight: ""));
        parts.AddRange(query.From.Select(v => Phrase(v, false, "B")));
        parts.AddRange(query.To.Select(v => Phrase(v, false, "C")));
        parts.AddRange(query.Subject.Select(v => Phrase(v, false, "A")));
        return string.Join(" & ", parts.Where(p => p.Length > 0));
    }

    /// <summary>The query's free words (the last a prefix while it is typed) in the body column only, any of them; "" when there are none.</summary>
    public static string FreeWordsInBody(SearchQuery query) =>
        string.Join(" | ", query.Terms.Select((t, i) => Phrase(t, prefix: query.LastTermIsPrefix && i == query.Terms.Count - 1, weight: "D")).Where(p => p.Length > 0));

    /// <summary>The tokens of one search term (a word or a quoted phrase), for highlighting.</summary>
    public static List<string> TermTokens(string term) => Tokens(term).Select(t => t.Text).ToList();

    private static string Phrase(string value, bool prefix, string weight)
    {
        var tokens = TermTokens(value);
        if (tokens.Count == 0)
            return "";
        var lexemes = tokens.Select((t, i) => Quote(t) + (prefix && i == tokens.Count - 1 ? ":*" + weight : weight.Length > 0 ? ":" + weight : ""));
        return "(" + string.Join(" <-> ", lexemes) + ")";
    }

    /// <summary>A lexeme as tsvector and tsquery input take it: quoted, quotes and backslashes escaped.</summary>
    private static string Quote(string lexeme) => AppendQuoted(new StringBuilder(lexeme.Length + 2), lexeme).ToString();

    private static StringBuilder AppendQuoted(StringBuilder into, string lexeme)
    {
        into.Append('\'');
        foreach (var c in lexeme)
        {
            if (c is '\'' or '\\')
                into.Append(c == '\'' ? '\'' : '\\');
            into.Append(c);
        }
        return into.Append('\'');
    }

    /// <summary>A token: its folded text and where it stands in the original text.</summary>
    public readonly record struct Token(string Text, int Start, int Length);

    /// <summary>Cuts text into tokens as FTS5's unicode61 tokenizer with <c>remove_diacritics 2</c> does.</summary>
    public static IEnumerable<Token> Tokens(string text)
    {
        var folded = new StringBuilder();
        var at = 0;
        while (NextToken(text, ref at, folded, out var start, out var end))
            yield return new Token(folded.ToString(), start, end - start);
    }

    // unicode61's default token characters: the categories L*, N* and Co.
    private static bool IsTokenRune(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.PrivateUse => true,
        _ => false,
    };

    /// <summary>Lower case, diacritics removed (é → e, Ü → u), as <c>remove_diacritics 2</c> folds.</summary>
    private static void Fold(Rune rune, StringBuilder into)
    {
        var lower = Rune.ToLowerInvariant(rune);
        if (lower.IsAscii)
        {
            into.Append((char)lower.Value);
            return;
        }
        foreach (var c in lower.ToString().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                into.Append(c);
        }
    }
}
