namespace Webmail.Sieve.Matching;

/// <summary>
/// The :matches wildcards of RFC 5228 §2.7.1 ("*" any sequence, "?" one character, "\" quotes the
/// next) without catastrophic backtracking: when a literal fails, only the most recent "*" grows,
/// which decides every glob in at most text × pattern steps. Earlier stars keep their shortest
/// expansion, as RFC 5229 §3.2's example expects of the match variables.
/// </summary>
internal static class GlobMatcher
{
    private const char Star = '\uFFFF';
    private const char One = '\uFFFE';

    /// <summary>Matches; on success fills <paramref name="captures"/> with ${0} (the whole value) and one entry per wildcard.</summary>
    public static bool Match(string text, string pattern, Comparator comparator, MatchBudget budget, List<string>? captures)
    {
        var (tokens, quoted) = Compile(pattern);
        var fold = comparator == Comparator.AsciiCasemap;
        var wildcards = 0;
        var wildcardOf = new int[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
            wildcardOf[i] = IsWildcard(tokens[i], quoted[i]) ? wildcards++ : -1;
        var start = new int[wildcards];
        var end = new int[wildcards];

        int t = 0, p = 0, starP = -1, starT = -1;
        while (t < text.Length)
        {
            budget.Spend(1);
            if (p < tokens.Length && !quoted[p] && tokens[p] == Star)
            {
                starP = p;
                starT = t;
                start[wildcardOf[p]] = end[wildcardOf[p]] = t;
                p++;
            }
            else if (p < tokens.Length && !quoted[p] && tokens[p] == One)
            {
                var width = char.IsHighSurrogate(text[t]) && t + 1 < text.Length && char.IsLowSurrogate(text[t + 1]) ? 2 : 1;
                start[wildcardOf[p]] = t;
                end[wildcardOf[p]] = t + width;
                t += width;
                p++;
            }
            else if (p < tokens.Length && (fold ? Comparators.Fold(tokens[p]) == Comparators.Fold(text[t]) : tokens[p] == text[t]))
            {
                t++;
                p++;
            }
            else if (starP >= 0)
            {
                // Grow the last star by one character and retry what follows it.
                starT++;
                end[wildcardOf[starP]] = starT;
                p = starP + 1;
                t = starT;
            }
            else
            {
                return false;
            }
        }
        while (p < tokens.Length && !quoted[p] && tokens[p] == Star)
        {
            start[wildcardOf[p]] = end[wildcardOf[p]] = t;
            p++;
        }
        if (p != tokens.Length)
            return false;
        if (captures is not null)
        {
            captures.Clear();
            captures.Add(text);
            for (var i = 0; i < wildcards; i++)
                captures.Add(text[start[i]..end[i]]);
        }
        return true;
    }

    private static bool IsWildcard(char token, bool quoted) => !quoted && token is Star or One;

    private static (char[] Tokens, bool[] Quoted) Compile(string pattern)
    {
        var tokens = new List<char>(pattern.Length);
        var quoted = new List<bool>(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                tokens.Add(pattern[++i]);
                quoted.Add(true);
            }
            else if (c == '*')
            {
                // Each star is a wildcard of its own for the match variables, even in "**".
                tokens.Add(Star);
                quoted.Add(false);
            }
            else
            {
                tokens.Add(c == '?' ? One : c);
                quoted.Add(c is Star or One);
            }
        }
        return (tokens.ToArray(), quoted.ToArray());
    }
}
