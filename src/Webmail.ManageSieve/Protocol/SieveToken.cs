namespace Webmail.ManageSieve.Protocol;

/// <summary>What kind of argument a client sent (RFC 5804 §4).</summary>
public enum SieveTokenKind
{
    /// <summary>A quoted string or a literal, decoded.</summary>
    String,
    /// <summary>A number, 0 to 4294967295.</summary>
    Number,
    /// <summary>Anything else not inside quotes (a bare word).</summary>
    Atom,
}

/// <summary>One argument of a command.</summary>
public readonly record struct SieveToken(SieveTokenKind Kind, string Text, long Number = 0);
