namespace Webmail.Sieve.Validation;

internal enum TestArity
{
    None,
    One,
    List,
}

/// <summary>
/// What a command or test accepts: its tags, its positional arguments (the first
/// <see cref="OptionalLeading"/> of them may be left out), its tests, whether it takes a block,
/// and the extension a script must require to use it.
/// </summary>
internal sealed record CommandSignature(
    string Name,
    bool IsTest,
    string? Extension,
    IReadOnlyList<TagSignature> Tags,
    IReadOnlyList<ArgumentType> Positionals,
    int OptionalLeading = 0,
    TestArity Tests = TestArity.None,
    bool TakesBlock = false,
    IReadOnlyList<string>? RequiredGroups = null);
