namespace Webmail.Sieve;

/// <summary>What <see cref="SieveScript.Parse"/> gives: a script, or the errors that stopped it.</summary>
public sealed record SieveParseResult(SieveScript? Script, IReadOnlyList<SieveError> Errors)
{
    /// <summary>True when <see cref="Script"/> is set and <see cref="Errors"/> is empty.</summary>
    public bool Succeeded => Script is not null;

    /// <summary>The errors, one per line, for a user.</summary>
    public string ErrorText => string.Join("\n", Errors);
}
