namespace Webmail.Sieve.Matching;

/// <summary>How a test compares: comparator, match type (and relational operator), address part, :index.</summary>
internal sealed record MatchSpec(
    Comparator Comparator,
    MatchType Type,
    RelationalOperator Operator,
    AddressPart AddressPart,
    int? Index,
    bool Last)
{
    public static MatchSpec Default { get; } =
        new(Comparator.AsciiCasemap, MatchType.Is, RelationalOperator.Equal, AddressPart.All, null, false);
}
