using Webmail.Core.Hosting;
using Webmail.Core.Model;

namespace Webmail.Admin;

/// <summary>What the admin dashboard shows, gathered in one call.</summary>
public sealed record DashboardFigures(
    IReadOnlyList<ListenerState> Listeners,
    long Accounts,
    int Domains,
    long Messages,
    long MessageBytes,
    long DatabaseBytes,
    long QueueLength,
    long FailedLoginsLastHour,
    int ActiveBans,
    MailSeries Hourly,
    MailSeries Daily,
    FilterSeries Filtering);

/// <summary>Received / sent / bounced counts per bucket, oldest bucket first.</summary>
public sealed record MailSeries(IReadOnlyList<DateTimeOffset> Buckets, IReadOnlyDictionary<MailEventKind, long[]> Counts)
{
    public long Total(MailEventKind kind) => Counts.TryGetValue(kind, out var c) ? c.Sum() : 0;
}

/// <summary>
/// What the inbound filters did per day, oldest day first: refused messages by reason (<c>rejected</c> and
/// <c>tempfailed</c> outcomes; a deferred reason is named "reason (deferred)"), those quarantined in Junk, and those
/// rspamd learned from users' moves.
/// </summary>
public sealed record FilterSeries(IReadOnlyList<DateTimeOffset> Days, IReadOnlyDictionary<string, long[]> RefusedByReason, long[] Quarantined, long[] LearnedSpam, long[] LearnedHam)
{
    public long TotalRefused => RefusedByReason.Values.Sum(v => v.Sum());
}
