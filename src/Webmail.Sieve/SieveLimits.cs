namespace Webmail.Sieve;

/// <summary>
/// The bounds a script runs within. The defaults follow Pigeonhole's where it has one
/// (32 actions, 4 redirects, 4 KiB variables, a one-day minimum vacation period).
/// </summary>
public sealed record SieveLimits
{
    /// <summary>Largest script accepted, in characters. Default 64 KiB.</summary>
    public int MaxScriptSize { get; init; } = 64 * 1024;

    /// <summary>Deepest nesting of blocks and tests. Default 32.</summary>
    public int MaxNesting { get; init; } = 32;

    /// <summary>Most commands a script may contain. Default 1,024.</summary>
    public int MaxCommands { get; init; } = 1024;

    /// <summary>Most actions (keep, fileinto, redirect, reject, vacation, discard) one run may take. Default 32.</summary>
    public int MaxActions { get; init; } = 32;

    /// <summary>Most distinct redirects one run may take. Default 4.</summary>
    public int MaxRedirects { get; init; } = 4;

    /// <summary>
    /// Work allowed for string matching in one run (characters compared by :matches, :contains and
    /// :regex together). Default 100,000,000 (well under a second); past it the run fails and the message is kept.
    /// </summary>
    public long MatchWorkBudget { get; init; } = 100_000_000;

    /// <summary>Longest value a variable holds, in characters; longer values are cut. Default 4,096.</summary>
    public int MaxVariableSize { get; init; } = 4096;

    /// <summary>Longest string variable substitution may build, in characters; past it the run fails. Default 64 KiB.</summary>
    public int MaxStringSize { get; init; } = 64 * 1024;

    /// <summary>Most variables one script may set. Default 255.</summary>
    public int MaxVariables { get; init; } = 255;

    /// <summary>Shortest vacation period; shorter :days / :seconds are raised to it. Default one day.</summary>
    public TimeSpan VacationMinPeriod { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Longest vacation period; longer ones are lowered to it. Default 365 days.</summary>
    public TimeSpan VacationMaxPeriod { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Period when the script gives neither :days nor :seconds. Default 7 days (RFC 5230 §4.1).</summary>
    public TimeSpan VacationDefaultPeriod { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The default limits.</summary>
    public static SieveLimits Default { get; } = new();
}
