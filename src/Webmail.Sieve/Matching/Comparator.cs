namespace Webmail.Sieve.Matching;

/// <summary>The comparators of RFC 4790 a script may name with :comparator.</summary>
internal enum Comparator
{
    /// <summary>"i;octet": exact, by code point.</summary>
    Octet,

    /// <summary>"i;ascii-casemap": A–Z equal a–z, everything else exact. The default (RFC 5228 §2.7.3).</summary>
    AsciiCasemap,

    /// <summary>"i;ascii-numeric": the value of the leading digits; no digits is positive infinity.</summary>
    AsciiNumeric,
}
