namespace Webmail.Sieve.Syntax;

/// <summary>A lexical or grammar error; the parser stops at the first one.</summary>
internal sealed class SieveSyntaxException(SourcePosition position, string message) : Exception(message)
{
    public SourcePosition Position { get; } = position;
}
