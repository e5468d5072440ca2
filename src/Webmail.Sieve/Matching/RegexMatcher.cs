using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Webmail.Sieve.Matching;

/// <summary>
/// The :regex match type (draft-ietf-sieve-regex), run by .NET's non-backtracking engine so the
/// time is linear in the text whatever the expression. The syntax is .NET's, close to POSIX ERE
/// for the expressions scripts use; back-references and look-arounds are refused.
/// </summary>
internal static class RegexMatcher
{
    private static readonly ConcurrentDictionary<(string, Comparator), Regex> Cache = new();
    private const int CacheLimit = 1000;

    public static bool IsValid(string pattern, Comparator comparator, out string problem)
    {
        try
        {
            Build(pattern, comparator);
            problem = "";
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            problem = e.Message;
            return false;
        }
    }

    public static bool Match(string text, string pattern, Comparator comparator, MatchBudget budget, List<string>? captures)
    {
        budget.Spend(text.Length + pattern.Length);
        Regex regex;
        try
        {
            regex = Get(pattern, comparator);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new Execution.SieveRuntimeException($"invalid regular expression \"{pattern}\": {e.Message}");
        }
        var match = regex.Match(text);
        if (!match.Success)
            return false;
        if (captures is not null)
        {
            captures.Clear();
            for (var i = 0; i < match.Groups.Count && i < 10; i++)
                captures.Add(match.Groups[i].Success ? match.Groups[i].Value : "");
        }
        return true;
    }

    private static Regex Get(string pattern, Comparator comparator)
    {
        if (Cache.TryGetValue((pattern, comparator), out var regex))
            return regex;
        regex = Build(pattern, comparator);
        if (Cache.Count < CacheLimit)
            Cache.TryAdd((pattern, comparator), regex);
        return regex;
    }

    private static Regex Build(string pattern, Comparator comparator)
    {
        var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
        if (comparator == Comparator.AsciiCasemap)
            options |= RegexOptions.IgnoreCase;
        return new Regex(pattern, options, TimeSpan.FromSeconds(1));
    }
}
