namespace Webmail.Sieve.Matching;

internal enum MatchType
{
    Is,
    Contains,
    Matches,
    Regex,

    /// <summary>RFC 5231 :count — compares the number of values.</summary>
    Count,

    /// <summary>RFC 5231 :value — orders each value against the keys.</summary>
    Value,
}
