using Webmail.Sieve.Matching;
using Webmail.Sieve.Syntax;

namespace Webmail.Sieve.Validation;

/// <summary>A validated test, ready to evaluate.</summary>
internal sealed record BoundTest(string Name, SourcePosition Position, BoundArguments Arguments, MatchSpec Match,
    IReadOnlyList<BoundTest> Tests);
