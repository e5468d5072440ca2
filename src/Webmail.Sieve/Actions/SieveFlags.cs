namespace Webmail.Sieve.Actions;

/// <summary>IMAP flag lists as RFC 5232 handles them: space-separated, compared without case.</summary>
public static class SieveFlags
{
    /// <summary>Splits flag strings on spaces, keeps the first spelling of each flag.</summary>
    public static List<string> Parse(IEnumerable<string> values)
    {
        var flags = new List<string>();
        foreach (var value in values)
        {
            foreach (var flag in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!flags.Contains(flag, StringComparer.OrdinalIgnoreCase))
                    flags.Add(flag);
            }
        }
        return flags;
    }

    private static readonly string[] SystemFlags = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

    /// <summary>
    /// A flag a message can carry: a settable system flag (not \Recent) or an IMAP keyword, an
    /// atom of ASCII without atom-specials (RFC 3501 §9). Others are dropped from actions, as
    /// RFC 5232 §3 allows and Pigeonhole does.
    /// </summary>
    public static bool IsValid(string flag)
    {
        if (flag.StartsWith('\\'))
            return SystemFlags.Contains(flag, StringComparer.OrdinalIgnoreCase);
        return flag.Length > 0 && flag.All(c => c is > ' ' and < '\x7f' and not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']'));
    }

    internal static string Describe(IReadOnlyList<string> flags) =>
        flags.Count == 0 ? "" : " :flags [" + string.Join(' ', flags) + "]";
}
