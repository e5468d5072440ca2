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

    internal static string Describe(IReadOnlyList<string> flags) =>
        flags.Count == 0 ? "" : " :flags [" + string.Join(' ', flags) + "]";
}
