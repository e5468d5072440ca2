namespace Webmail.Sieve.Syntax;

/// <summary>
/// Builds the parse tree of RFC 5228 §8.2 from tokens. Knows the grammar only, not which commands
/// exist (the validator does); bounds the nesting of blocks and tests.
/// </summary>
internal sealed class SieveParser
{
    private readonly List<Token> _tokens;
    private readonly int _maxNesting;
    private int _index;
    private int _depth;

    public SieveParser(string text, int maxNesting)
    {
        _tokens = new SieveLexer(text).Tokenize();
        _maxNesting = maxNesting;
    }

    public List<CommandNode> ParseScript()
    {
        var commands = new List<CommandNode>();
        while (Current.Kind != TokenKind.End)
            commands.Add(Command());
        return commands;
    }

    private Token Current => _tokens[_index];

    private Token Take() => _tokens[_index++];

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
            throw new SieveSyntaxException(Current.Position, $"expected {what} but found {Current.Describe()}");
        return Take();
    }

    private void Enter(SourcePosition position)
    {
        if (++_depth > _maxNesting)
            throw new SieveSyntaxException(position, $"nesting is deeper than the limit of {_maxNesting}");
    }

    private CommandNode Command()
    {
        var name = Expect(TokenKind.Identifier, "a command");
        var arguments = Arguments();
        var (tests, hasList) = TestOrTestList();
        if (Current.Kind == TokenKind.Semicolon)
        {
            Take();
            return new CommandNode(name.Text.ToLowerInvariant(), arguments, tests, hasList, null, name.Position);
        }
        if (Current.Kind == TokenKind.LeftBrace)
        {
            var open = Take();
            Enter(open.Position);
            var block = new List<CommandNode>();
            while (Current.Kind != TokenKind.RightBrace)
            {
                if (Current.Kind == TokenKind.End)
                    throw new SieveSyntaxException(open.Position, "block is not closed with '}'");
                block.Add(Command());
            }
            Take();
            _depth--;
            return new CommandNode(name.Text.ToLowerInvariant(), arguments, tests, hasList, block, name.Position);
        }
        throw new SieveSyntaxException(Current.Position,
            $"expected ';' or '{{' after command '{name.Text}' but found {Current.Describe()}");
    }

    private List<ArgumentNode> Arguments()
    {
        var arguments = new List<ArgumentNode>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Tag:
                    Take();
                    arguments.Add(new TagNode(token.Text.ToLowerInvariant(), token.Position));
                    break;
                case TokenKind.Number:
                    Take();
                    arguments.Add(new NumberNode(token.Number, token.Position));
                    break;
                case TokenKind.String:
                    Take();
                    arguments.Add(new StringListNode([token.Text], false, token.Position));
                    break;
                case TokenKind.LeftBracket:
                    arguments.Add(StringList());
                    break;
                default:
                    return arguments;
            }
        }
    }

    private StringListNode StringList()
    {
        var open = Take();
        var values = new List<string> { Expect(TokenKind.String, "a string in the list").Text };
        while (Current.Kind == TokenKind.Comma)
        {
            Take();
            values.Add(Expect(TokenKind.String, "a string after ','").Text);
        }
        Expect(TokenKind.RightBracket, "']' or ',' in the string list");
        return new StringListNode(values, true, open.Position);
    }

    private (List<TestNode> Tests, bool HasList) TestOrTestList()
    {
        if (Current.Kind == TokenKind.Identifier)
            return ([Test()], false);
        if (Current.Kind != TokenKind.LeftParen)
            return ([], false);
        var open = Take();
        Enter(open.Position);
        var tests = new List<TestNode> { Test() };
        while (Current.Kind == TokenKind.Comma)
        {
            Take();
            tests.Add(Test());
        }
        Expect(TokenKind.RightParen, "')' or ',' in the test list");
        _depth--;
        return (tests, true);
    }

    private TestNode Test()
    {
        var name = Expect(TokenKind.Identifier, "a test");
        Enter(name.Position);
        var arguments = Arguments();
        var (tests, hasList) = TestOrTestList();
        _depth--;
        return new TestNode(name.Text.ToLowerInvariant(), arguments, tests, hasList, name.Position);
    }
}
