namespace Webmail.Core.Filters;

/// <summary>One of an account's Sieve scripts, without its text.</summary>
/// <param name="Size">The script's size in UTF-8 octets.</param>
/// <param name="LastError">What the last delivery run failed with, or null; cleared when the script is saved again.</param>
public sealed record SieveScriptInfo(string Name, bool IsActive, long Size, DateTimeOffset UpdatedAt, string? LastError, DateTimeOffset? LastErrorAt);

/// <summary>How a change to an account's scripts went (the ManageSieve response codes of RFC 5804 map onto it).</summary>
public enum SieveScriptStatus
{
    Ok,
    /// <summary>No script by that name (NONEXISTENT).</summary>
    NotFound,
    /// <summary>A script by the new name exists (ALREADYEXISTS).</summary>
    AlreadyExists,
    /// <summary>The active script cannot be deleted (ACTIVE).</summary>
    Active,
    /// <summary>The script does not parse or validate; the errors say where.</summary>
    Invalid,
    /// <summary>Larger than <see cref="SieveScriptService.MaxScriptBytes"/> (QUOTA/MAXSIZE).</summary>
    TooLarge,
    /// <summary>The account has <see cref="SieveScriptService.MaxScriptsPerAccount"/> scripts (QUOTA/MAXSCRIPTS).</summary>
    TooMany,
    /// <summary>The name is empty, too long or has control characters.</summary>
    BadName,
}

/// <summary>The outcome of a change: a status, a sentence for the user, and a script's errors (each with its line) when it is invalid.</summary>
public sealed record SieveScriptOutcome(SieveScriptStatus Status, string Message, IReadOnlyList<Webmail.Sieve.SieveError> Errors)
{
    public bool Succeeded => Status == SieveScriptStatus.Ok;

    public static SieveScriptOutcome Ok { get; } = new(SieveScriptStatus.Ok, "", []);
}
