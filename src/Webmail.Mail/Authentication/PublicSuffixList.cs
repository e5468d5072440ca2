using Microsoft.Extensions.Logging;

namespace Webmail.Mail.Authentication;

/// <summary>
/// The Public Suffix List (https://publicsuffix.org/list/), for DMARC's organisational domain (RFC 7489 §3.2):
/// the registered domain is one label more than the longest public suffix. Read from Debian's
/// <c>publicsuffix</c> package. Without the file the built-in rule is "the last two labels" (right for
/// <c>.com</c>, <c>.org</c>, <c>.de</c>; wrong for <c>.co.uk</c>, where it makes alignment stricter, never looser).
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>Where Debian's <c>publicsuffix</c> package puts the list.</summary>
    public const string DebianPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private readonly HashSet<string> _rules;
    private readonly HashSet<string> _wildcards;
    private readonly HashSet<string> _exceptions;

    private PublicSuffixList(HashSet<string> rules, HashSet<string> wildcards, HashSet<string> exceptions, bool loaded)
    {
        _rules = rules;
        _wildcards = wildcards;
        _exceptions = exceptions;
        IsLoaded = loaded;
    }

    /// <summary>False when the built-in fallback rule is in use.</summary>
    public bool IsLoaded { get; }

    public int RuleCount => _rules.Count + _wildcards.Count + _exceptions.Count;

    /// <summary>The list in <paramref name="path"/>, or the fallback rule with a warning when it cannot be read.</summary>
    public static PublicSuffixList Load(string path, ILogger logger)
    {
        try
        {
            return Parse(File.ReadLines(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Public Suffix List not readable at {Path} ({Error}): DMARC takes the last two labels of a domain as its organisational domain. Install Debian's publicsuffix package or set Webmail:Dmarc:PublicSuffixList.", path, e.Message);
            return new PublicSuffixList([], [], [], loaded: false);
        }
    }

    public static PublicSuffixList Parse(IEnumerable<string> lines)
    {
        HashSet<string> rules = new(StringComparer.OrdinalIgnoreCase), wildcards = new(StringComparer.OrdinalIgnoreCase), exceptions = new(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in lines)
        {
            // The format: one rule per line up to white space; "//" comments; "*." wildcards; "!" exceptions.
            var line = raw.Trim();
            var space = line.IndexOfAny([' ', '\t']);
            if (space > 0)
                line = line[..space];
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
                continue;
            if (line.StartsWith('!'))
                exceptions.Add(ToAscii(line[1..]));
            else if (line.StartsWith("*.", StringComparison.Ordinal))
                wildcards.Add(ToAscii(line[2..]));
            else
                rules.Add(ToAscii(line));
        }
        return new PublicSuffixList(rules, wildcards, exceptions, loaded: true);
    }

    private static readonly System.Globalization.IdnMapping Idn = new();

    /// <summary>The list has internationalised names in Unicode; mail domains arrive in their A-label form.</summary>
    private static string ToAscii(string name)
    {
        if (System.Text.Ascii.IsValid(name))
            return name.ToLowerInvariant();
        try
        {
            return Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return name.ToLowerInvariant();
        }
    }

    /// <summary>
    /// RFC 7489 §3.2: the organisational domain of <paramref name="domain"/> (lower case, no trailing dot), or the
    /// domain itself when it is a public suffix or has a single label.
    /// </summary>
    public string OrganizationalDomain(string domain)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        var labels = domain.Split('.');
        if (labels.Length < 2)
            return domain;
        var suffixLabels = IsLoaded ? SuffixLength(labels) : 1;
        return suffixLabels >= labels.Length ? domain : string.Join('.', labels[^(suffixLabels + 1)..]);
    }

    /// <summary>How many labels at the right of <paramref name="labels"/> form the public suffix (the algorithm of publicsuffix.org).</summary>
    private int SuffixLength(string[] labels)
    {
        // The default rule "*": a name no rule covers has its last label as public suffix.
        var longest = 1;
        for (var n = 1; n <= labels.Length; n++)
        {
            var candidate = string.Join('.', labels[^n..]);
            if (_exceptions.Contains(candidate))
                return n - 1; // an exception rule wins, and its suffix is one label shorter
            if (_rules.Contains(candidate))
                longest = n;
            if (n < labels.Length && _wildcards.Contains(candidate))
                longest = n + 1;
        }
        return longest;
    }
}
