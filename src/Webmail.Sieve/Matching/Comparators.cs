namespace Webmail.Sieve.Matching;

/// <summary>Equality and ordering under the comparators of RFC 4790 §9.</summary>
internal static class Comparators
{
    public static char Fold(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;

    /// <summary>The string as the comparator sees it: i;ascii-casemap folds A–Z only, not other letters.</summary>
    public static string Prepare(string value, Comparator comparator)
    {
        if (comparator != Comparator.AsciiCasemap || !value.Any(c => c is >= 'A' and <= 'Z'))
            return value;
        return string.Create(value.Length, value, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = Fold(source[i]);
        });
    }

    public static int Compare(string left, string right, Comparator comparator) => comparator switch
    {
        Comparator.AsciiNumeric => CompareNumeric(left, right),
        _ => string.CompareOrdinal(Prepare(left, comparator), Prepare(right, comparator)),
    };

    public static bool AreEqual(string left, string right, Comparator comparator) => Compare(left, right, comparator) == 0;

    /// <summary>RFC 4790 §9.1: the number the leading digits spell; no leading digit is positive infinity.</summary>
    private static int CompareNumeric(string left, string right)
    {
        var a = LeadingDigits(left);
        var b = LeadingDigits(right);
        if (a is null || b is null)
            return (a is null ? 1 : 0) - (b is null ? 1 : 0);
        if (a.Length != b.Length)
            return a.Length.CompareTo(b.Length);
        return string.CompareOrdinal(a, b);
    }

    private static string? LeadingDigits(string value)
    {
        var end = 0;
        while (end < value.Length && char.IsAsciiDigit(value[end]))
            end++;
        if (end == 0)
            return null;
        var start = 0;
        while (start < end - 1 && value[start] == '0')
            start++;
        return value[start..end];
    }

    public static bool Holds(int comparison, RelationalOperator op) => op switch
    {
        RelationalOperator.GreaterThan => comparison > 0,
        RelationalOperator.GreaterOrEqual => comparison >= 0,
        RelationalOperator.LessThan => comparison < 0,
        RelationalOperator.LessOrEqual => comparison <= 0,
        RelationalOperator.Equal => comparison == 0,
        _ => comparison != 0,
    };
}
