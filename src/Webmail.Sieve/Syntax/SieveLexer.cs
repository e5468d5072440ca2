using System.Text;

namespace Webmail.Sieve.Syntax;

/// <summary>
/// Splits a script into the tokens of RFC 5228 §8.1: identifiers, tags, numbers with K/M/G
/// quantifiers, quoted and multi-line strings, punctuation; comments and white space are dropped.
/// </summary>
internal sealed class SieveLexer
{
    private readonly string _text;
    private int _index;
    private int _line = 1;
    private int _lineStart;

    public SieveLexer(string text) => _text = text;

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            SkipWhiteSpaceAndComments();
            var token = Next();
            tokens.Add(token);
            if (token.Kind == TokenKind.End)
                return tokens;
        }
    }

    private SourcePosition Position => new(_line, _index - _lineStart + 1);

    private char Peek(int ahead = 0) => _index + ahead < _text.Length ? _text[_index + ahead] : '\0';

    private void Advance()
    {
        if (_text[_index] == '\n')
        {
            _line++;
            _lineStart = _index + 1;
        }
        _index++;
    }

    private void SkipWhiteSpaceAndComments()
    {
        while (_index < _text.Length)
        {
            var c = _text[_index];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                Advance();
            }
            else if (c == '#')
            {
                while (_index < _text.Length && _text[_index] != '\n')
                    Advance();
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var start = Position;
                Advance();
                Advance();
                while (!(Peek() == '*' && Peek(1) == '/'))
                {
                    if (_index >= _text.Length)
                        throw new SieveSyntaxException(start, "unterminated comment");
                    Advance();
                }
                Advance();
                Advance();
            }
            else
            {
                return;
            }
        }
    }

    private Token Next()
    {
        var position = Position;
        if (_index >= _text.Length)
            return new Token(TokenKind.End, "", 0, position);
        var c = _text[_index];
        switch (c)
        {
            case '[': Advance(); return new Token(TokenKind.LeftBracket, "[", 0, position);
            case ']': Advance(); return new Token(TokenKind.RightBracket, "]", 0, position);
            case '(': Advance(); return new Token(TokenKind.LeftParen, "(", 0, position);
            case ')': Advance(); return new Token(TokenKind.RightParen, ")", 0, position);
            case '{': Advance(); return new Token(TokenKind.LeftBrace, "{", 0, position);
            case '}': Advance(); return new Token(TokenKind.RightBrace, "}", 0, position);
            case ',': Advance(); return new Token(TokenKind.Comma, ",", 0, position);
            case ';': Advance(); return new Token(TokenKind.Semicolon, ";", 0, position);
            case '"': return QuotedString(position);
            case ':':
                Advance();
                if (!IsIdentifierStart(Peek()))
                    throw new SieveSyntaxException(position, "expected a tag name after ':'");
                return new Token(TokenKind.Tag, Identifier(), 0, position);
        }
        if (char.IsAsciiDigit(c))
            return Number(position);
        if (IsIdentifierStart(c))
        {
            var name = Identifier();
            // RFC 5228 §2.4.2: "text:" starts a multi-line string.
            if (name.Equals("text", StringComparison.OrdinalIgnoreCase) && Peek() == ':')
            {
                Advance();
                return MultiLineString(position);
            }
            return new Token(TokenKind.Identifier, name, 0, position);
        }
        throw new SieveSyntaxException(position, $"unexpected character '{c}'");
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private string Identifier()
    {
        var start = _index;
        while (_index < _text.Length && (char.IsAsciiLetterOrDigit(_text[_index]) || _text[_index] == '_'))
            Advance();
        return _text[start.._index];
    }

    private Token Number(SourcePosition position)
    {
        long value = 0;
        while (char.IsAsciiDigit(Peek()))
        {
            value = value * 10 + (Peek() - '0');
            if (value > uint.MaxValue)
                throw new SieveSyntaxException(position, "number is too large");
            Advance();
        }
        // RFC 5228 §2.4.1: K, M and G multiply by 2^10, 2^20, 2^30.
        var shift = char.ToUpperInvariant(Peek()) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
        if (shift > 0)
        {
            Advance();
            value <<= shift;
            if (value > uint.MaxValue)
                throw new SieveSyntaxException(position, "number is too large");
        }
        if (IsIdentifierStart(Peek()))
            throw new SieveSyntaxException(position, "invalid number");
        return new Token(TokenKind.Number, value.ToString(System.Globalization.CultureInfo.InvariantCulture), value, position);
    }

    private Token QuotedString(SourcePosition position)
    {
        Advance();
        var value = new StringBuilder();
        while (true)
        {
            if (_index >= _text.Length)
                throw new SieveSyntaxException(position, "unterminated string");
            var c = _text[_index];
            if (c == '"')
            {
                Advance();
                return new Token(TokenKind.String, value.ToString(), 0, position);
            }
            if (c == '\\')
            {
                // RFC 5228 §2.4.2: "\\" and "\"" escape; any other backslash is dropped.
                Advance();
                if (_index >= _text.Length)
                    throw new SieveSyntaxException(position, "unterminated string");
                c = _text[_index];
            }
            value.Append(c);
            Advance();
        }
    }

    private Token MultiLineString(SourcePosition position)
    {
        // After "text:" only white space or a hash comment may follow on the line.
        while (Peek() is ' ' or '\t')
            Advance();
        if (Peek() == '#')
        {
            while (_index < _text.Length && _text[_index] != '\n')
                Advance();
        }
        if (Peek() == '\r')
            Advance();
        if (Peek() != '\n')
            throw new SieveSyntaxException(position, "expected a line break after 'text:'");
        Advance();

        var value = new StringBuilder();
        while (true)
        {
            if (_index >= _text.Length)
                throw new SieveSyntaxException(position, "unterminated multi-line string (a line with a single '.' ends it)");
            var lineStart = _index;
            while (_index < _text.Length && _text[_index] != '\n')
                Advance();
            var line = _text[lineStart.._index].TrimEnd('\r');
            if (_index < _text.Length)
                Advance();
            if (line == ".")
                return new Token(TokenKind.String, value.ToString(), 0, position);
            // RFC 5228 §2.4.2: a leading ".." stands for ".".
            value.Append(line.StartsWith("..", StringComparison.Ordinal) ? line[1..] : line).Append("\r\n");
        }
    }
}
