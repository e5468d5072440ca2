namespace Webmail.Sieve;

/// <summary>The capability names this interpreter implements, as a script requires them.</summary>
public static class SieveExtensions
{
    public const string FileInto = "fileinto";
    public const string Envelope = "envelope";
    public const string EncodedCharacter = "encoded-character";
    public const string Copy = "copy";
    public const string Imap4Flags = "imap4flags";
    public const string Body = "body";
    public const string Variables = "variables";
    public const string Vacation = "vacation";
    public const string VacationSeconds = "vacation-seconds";
    public const string Date = "date";
    public const string Index = "index";
    public const string Reject = "reject";
    public const string EReject = "ereject";
    public const string Relational = "relational";
    public const string Subaddress = "subaddress";
    public const string Mailbox = "mailbox";
    public const string Regex = "regex";
    public const string ComparatorOctet = "comparator-i;octet";
    public const string ComparatorAsciiCasemap = "comparator-i;ascii-casemap";
    public const string ComparatorAsciiNumeric = "comparator-i;ascii-numeric";

    /// <summary>Every extension above, the default offer.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        FileInto, Envelope, EncodedCharacter, Copy, Imap4Flags, Body, Variables, Vacation, VacationSeconds,
        Date, Index, Reject, EReject, Relational, Subaddress, Mailbox, Regex,
        ComparatorOctet, ComparatorAsciiCasemap, ComparatorAsciiNumeric,
    };

    /// <summary>
    /// The SIEVE capability a ManageSieve server advertises (RFC 5804 §1.7): the offered extensions,
    /// without the two comparators every implementation has (RFC 5228 §2.7.3).
    /// </summary>
    public static string Capability(IReadOnlySet<string> offered) =>
        string.Join(' ', offered.Where(e => e is not (ComparatorOctet or ComparatorAsciiCasemap)).Order(StringComparer.Ordinal));
}
