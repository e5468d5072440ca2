namespace Webmail.Sieve.Syntax;

/// <summary>The lexical tokens of RFC 5228 §8.1.</summary>
internal enum TokenKind
{
    Identifier,
    Tag,
    Number,
    String,
    LeftBracket,
    RightBracket,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    Comma,
    Semicolon,
    End,
}
