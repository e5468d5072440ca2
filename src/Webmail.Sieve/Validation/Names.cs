namespace Webmail.Sieve.Validation;

/// <summary>Checks on names that scripts spell out: header fields, variables, zones, date parts, addresses.</summary>
internal static class Names
{
    /// <summary>Headers the address test may read (RFC 5228 §5.1: those with an address-list body).</summary>
    public static readonly HashSet<string> AddressHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "from", "sender", "to", "cc", "bcc", "reply-to", "resent-from", "resent-sender", "resent-to", "resent-cc",
        "resent-bcc", "resent-reply-to", "return-path", "delivered-to", "envelope-to", "errors-to", "mail-followup-to",
        "mail-reply-to", "original-recipient", "disposition-notification-to", "x-original-to",
    };

    public static readonly HashSet<string> DateParts = new(StringComparer.OrdinalIgnoreCase)
    {
        "year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601", "std11", "zone", "weekday",
    };

    public static readonly HashSet<string> EnvelopeParts = new(StringComparer.OrdinalIgnoreCase) { "from", "to", "auth" };

    /// <summary>RFC 5322 §3.6.8: printable US-ASCII except the colon.</summary>
    public static bool IsHeaderName(string name) => name.Length > 0 && name.All(c => c is > ' ' and < '\x7f' and not ':');

    /// <summary>RFC 5229 §3: identifier = (ALPHA / "_") *(ALPHA / DIGIT / "_").</summary>
    public static bool IsVariableName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>RFC 5260 §4.1: "+hhmm" or "-hhmm".</summary>
    public static bool TryParseZone(string zone, out TimeSpan offset)
    {
        offset = default;
        if (zone.Length != 5 || zone[0] is not ('+' or '-') || !zone[1..].All(char.IsAsciiDigit))
            return false;
        var hours = int.Parse(zone.AsSpan(1, 2), System.Globalization.CultureInfo.InvariantCulture);
        var minutes = int.Parse(zone.AsSpan(3, 2), System.Globalization.CultureInfo.InvariantCulture);
        if (hours > 23 || minutes > 59)
            return false;
        offset = new TimeSpan(hours, minutes, 0) * (zone[0] == '-' ? -1 : 1);
        return true;
    }

    /// <summary>A bare mail address, local@domain: what redirect and vacation's :from / :addresses accept.</summary>
    public static bool IsMailAddress(string address)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
            return false;
        if (address.Any(c => c is ' ' or '\t' or '\r' or '\n' or '<' or '>' or ',' or '(' or ')' or ';'))
            return false;
        var domain = address[(at + 1)..];
        return !domain.StartsWith('.') && !domain.EndsWith('.') && !domain.Contains("..", StringComparison.Ordinal);
    }
}
