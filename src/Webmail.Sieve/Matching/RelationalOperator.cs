namespace Webmail.Sieve.Matching;

/// <summary>The relational operators of RFC 5231 §4.</summary>
internal enum RelationalOperator
{
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Equal,
    NotEqual,
}
