using Webmail.Sieve.Syntax;

namespace Webmail.Sieve.Validation;

/// <summary>
/// A validated command. An if command carries its elsif and else parts as <see cref="Branches"/>
/// (an else branch has no condition).
/// </summary>
internal sealed record BoundCommand(string Name, SourcePosition Position, BoundArguments Arguments,
    IReadOnlyList<IfBranch> Branches);

internal sealed record IfBranch(BoundTest? Condition, IReadOnlyList<BoundCommand> Body);
