namespace Webmail.Sieve.Validation;

/// <summary>
/// A tagged argument: its name, the argument it takes (if any), the group of tags it excludes
/// (":is", ":contains" and ":matches" are one group), and the extension that defines it.
/// </summary>
internal sealed record TagSignature(string Name, ArgumentType? Value = null, string? Group = null, string? Extension = null);
