namespace Webmail.Sieve.Validation;

internal enum ArgumentType
{
    /// <summary>A single string; a bracketed list is refused.</summary>
    String,

    /// <summary>A string list; a single string is a list of one.</summary>
    StringList,

    Number,
}
