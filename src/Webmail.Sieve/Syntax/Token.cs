namespace Webmail.Sieve.Syntax;

/// <summary>One token: its kind, its text (a string's value after unquoting, a tag without the colon), and a number's value.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, long Number, SourcePosition Position)
{
    public string Describe() => Kind switch
    {
        TokenKind.Identifier => $"identifier '{Text}'",
        TokenKind.Tag => $"tag ':{Text}'",
        TokenKind.Number => $"number {Number}",
        TokenKind.String => "string",
        TokenKind.End => "end of script",
        _ => $"'{Text}'",
    };
}
