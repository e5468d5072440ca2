namespace Webmail.Storage;

/// <summary>
/// Turns a substring search (IMAP SEARCH BODY/TEXT: "contains this string, ignoring case") into an
/// FTS5 query that matches every document containing it and few others, so the word index narrows
/// the candidates exactly and a check of each candidate finishes the job (be exact, then fast).
/// </summary>
/// <remarks>
/// The tokenizer (<c>unicode61</c>) makes tokens of letters and digits, case folded. Only runs of
/// ASCII letters and digits in the string are used, where its tokens and ours agree: a run with an
/// ASCII separator before it starts a token — <c>"run"</c> when a separator also follows, else
/// <c>"run"*</c>. A run at the start of the string, or after a non-ASCII character, may sit inside
/// a longer token: it is matched through the index's vocabulary, as any token that contains it (or
/// ends with it, when a separator follows). A run no token contains proves there is no match.
/// </remarks>
internal static class FtsSubstring
{
    /// <summary>Most vocabulary tokens one run may stand for; past it the run constrains nothing.</summary>
    public const int MaxAlternatives = 2000;

    /// <summary>One constraint: a token (exact or prefix) or, for a run inside a token, a vocabulary search.</summary>
    public sealed record Run(string Text, bool Prefix, bool InsideToken, bool EndsToken);

    public static List<Run> Runs(string value)
    {
        var runs = new List<Run>();
        var i = 0;
        while (i < value.Length)
        {
            if (!IsAsciiAlphanumeric(value[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < value.Length && IsAsciiAlphanumeric(value[i]))
                i++;
            var boundedBefore = start > 0 && IsAsciiSeparator(value[start - 1]);
            var boundedAfter = i < value.Length && IsAsciiSeparator(value[i]);
            runs.Add(new Run(value[start..i].ToLowerInvariant(), Prefix: !boundedAfter, InsideToken: !boundedBefore, EndsToken: boundedAfter));
        }
        return runs;
    }

    /// <summary>An FTS5 phrase for a token.</summary>
    public static string Phrase(string token, bool prefix) => "\"" + token.Replace("\"", "\"\"") + "\"" + (prefix ? "*" : "");

    private static bool IsAsciiAlphanumeric(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9');

    private static bool IsAsciiSeparator(char c) => c < 0x80 && !IsAsciiAlphanumeric(c);
}
