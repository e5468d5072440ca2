namespace Webmail.Sieve.Syntax;

/// <summary>Where something starts in the script text: 1-based line and column.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}
