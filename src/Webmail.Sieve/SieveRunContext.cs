namespace Webmail.Sieve;

/// <summary>
/// What a run needs from the world, passed in so the interpreter stays pure: the current time
/// (for currentdate), the local time zone (for date tests without :zone), and which mailboxes
/// exist (for mailboxexists).
/// </summary>
public sealed record SieveRunContext
{
    /// <summary>The moment of delivery.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>The zone date and currentdate convert to without :zone. Default UTC.</summary>
    public TimeZoneInfo LocalTimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Answers mailboxexists (RFC 5490 §3.1). Default: only INBOX exists.</summary>
    public Func<string, bool> MailboxExists { get; init; } = name => name.Equals("INBOX", StringComparison.OrdinalIgnoreCase);
}
