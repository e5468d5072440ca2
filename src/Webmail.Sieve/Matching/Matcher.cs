using System.Globalization;

namespace Webmail.Sieve.Matching;

/// <summary>
/// RFC 5228 §2.7: a test is true when any value matches any key under the match type and
/// comparator; RFC 5231 :count compares the number of values instead.
/// </summary>
internal sealed class Matcher(MatchBudget budget)
{
    /// <summary>Matches; for :matches and :regex, fills <paramref name="captures"/> (when given) from the first matching pair.</summary>
    public bool Match(MatchSpec spec, IReadOnlyList<string> values, IReadOnlyList<string> keys, List<string>? captures)
    {
        if (spec.Type == MatchType.Count)
        {
            var count = values.Count.ToString(CultureInfo.InvariantCulture);
            return keys.Any(key => Comparators.Holds(Comparators.Compare(count, key, spec.Comparator), spec.Operator));
        }
        foreach (var value in values)
        {
            foreach (var key in keys)
            {
                if (MatchOne(spec, value, key, captures))
                    return true;
            }
        }
        return false;
    }

    private bool MatchOne(MatchSpec spec, string value, string key, List<string>? captures)
    {
        switch (spec.Type)
        {
            case MatchType.Is:
                budget.Spend(Math.Min(value.Length, key.Length) + 1);
                return Comparators.AreEqual(value, key, spec.Comparator);
            case MatchType.Contains:
                budget.Spend(value.Length + key.Length + 1);
                return Comparators.Prepare(value, spec.Comparator).Contains(Comparators.Prepare(key, spec.Comparator), StringComparison.Ordinal);
            case MatchType.Matches:
                return GlobMatcher.Match(value, key, spec.Comparator, budget, captures);
            case MatchType.Regex:
                return RegexMatcher.Match(value, key, spec.Comparator, budget, captures);
            default:
                budget.Spend(Math.Min(value.Length, key.Length) + 1);
                return Comparators.Holds(Comparators.Compare(value, key, spec.Comparator), spec.Operator);
        }
    }
}
