namespace Webmail.Sieve.Syntax;

// The parse tree of RFC 5228 §8.2, before any meaning is given to names. Small records that only
// make sense together live in this one file.

/// <summary>An argument: a string list, a number or a tag.</summary>
internal abstract record ArgumentNode(SourcePosition Position);

/// <summary>A single string ("x") or a bracketed list (["x", "y"]).</summary>
internal sealed record StringListNode(IReadOnlyList<string> Values, bool IsBracketed, SourcePosition Position)
    : ArgumentNode(Position)
{
    public bool IsSingleString => !IsBracketed && Values.Count == 1;
}

internal sealed record NumberNode(long Value, SourcePosition Position) : ArgumentNode(Position);

/// <summary>A tag such as ":contains", without the colon, lower-cased.</summary>
internal sealed record TagNode(string Name, SourcePosition Position) : ArgumentNode(Position);

/// <summary>A test: name, arguments, and nested tests (for not, allof, anyof).</summary>
internal sealed record TestNode(string Name, IReadOnlyList<ArgumentNode> Arguments, IReadOnlyList<TestNode> Tests,
    bool HasTestList, SourcePosition Position);

/// <summary>A command: name, arguments, an optional test or test list, and an optional block.</summary>
internal sealed record CommandNode(string Name, IReadOnlyList<ArgumentNode> Arguments, IReadOnlyList<TestNode> Tests,
    bool HasTestList, IReadOnlyList<CommandNode>? Block, SourcePosition Position);
