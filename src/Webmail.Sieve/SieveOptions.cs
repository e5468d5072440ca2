namespace Webmail.Sieve;

/// <summary>How scripts are parsed and run: limits, the extensions offered, the subaddress separator.</summary>
public sealed record SieveOptions
{
    /// <summary>The bounds on scripts and runs. Default <see cref="SieveLimits.Default"/>.</summary>
    public SieveLimits Limits { get; init; } = SieveLimits.Default;

    /// <summary>Extensions a script may require. Default <see cref="SieveExtensions.All"/>.</summary>
    public IReadOnlySet<string> Extensions { get; init; } = SieveExtensions.All;

    /// <summary>Separates user and detail in a local part (RFC 5233). Default '+'.</summary>
    public char SubaddressSeparator { get; init; } = '+';

    /// <summary>All extensions, default limits, separator '+'.</summary>
    public static SieveOptions Default { get; } = new();
}
