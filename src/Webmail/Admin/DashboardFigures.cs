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
    MailSeries Daily);

/// <summary>Received / sent / bounced counts per bucket, oldest bucket first.</summary>
public sealed record MailSeries(IReadOnlyList<DateTimeOffset> Buckets, IReadOnlyDictionary<MailEventKind, long[]> Counts)
{
    public long Total(MailEventKind kind) => Counts.TryGetValue(kind, out var c) ? c.Sum() : 0;
}
