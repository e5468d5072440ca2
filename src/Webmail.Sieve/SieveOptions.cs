namespace Webmail.Sieve;

/// <summary>How scripts are parsed and run: limits, the extensions offered, the subaddress separator.</summary>
public sealed record SieveOptions
{
    public SieveLimits Limits { get; init; } = SieveLimits.Default;

    /// <summary>Extensions a script may require. Default <see cref="SieveExtensions.All"/>.</summary>
    public IReadOnlySet<string> Extensions { get; init; } = SieveExtensions.All;

    /// <summary>Separates user and detail in a local part (RFC 5233). Default '+'.</summary>
    public char SubaddressSeparator { get; init; } = '+';

    public static SieveOptions Default { get; } = new();
}
