using Webmail.Core.Hosting;
using Webmail.Core.Model;
using Webmail.Core.Security;
using Webmail.Core.Storage;

namespace Webmail.Admin;

/// <summary>Gathers the dashboard's figures from the store, the queue, the audit log and the listener registry.</summary>
public sealed class DashboardService(
    IDirectoryStore directory,
    IServerStateStore state,
    IOutboundQueueStore queue,
    IAuditLog audit,
    ListenerRegistry listeners,
    LoginLimiter limiter,
    ISpamFilterStore filters,
    TimeProvider time)
{
    public const string FailedLoginAction = "login.failed";

    public async Task<DashboardFigures> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var accounts = await directory.CountAccountsAsync(cancellationToken).ConfigureAwait(false);
        var domains = await directory.ListDomainsAsync(cancellationToken).ConfigureAwait(false);
        var totals = await state.GetTotalsAsync(cancellationToken).ConfigureAwait(false);
        var queued = await queue.CountAsync(cancellationToken).ConfigureAwait(false);
        var failed = await audit.CountSinceAsync(FailedLoginAction, now.AddHours(-1), cancellationToken).ConfigureAwait(false);
        var hourly = await SeriesAsync(Truncate(now, TimeSpan.FromHours(1)), TimeSpan.FromHours(1), 24, cancellationToken).ConfigureAwait(false);
        var daily = await SeriesAsync(Truncate(now, TimeSpan.FromDays(1)), TimeSpan.FromDays(1), 30, cancellationToken).ConfigureAwait(false);
        var filtering = await FilterSeriesAsync(Truncate(now, TimeSpan.FromDays(1)), 30, cancellationToken).ConfigureAwait(false);
        return new DashboardFigures(listeners.Listeners, accounts, domains.Count, totals.Messages, totals.Bytes, totals.DatabaseBytes,
            queued, failed, limiter.ActiveBans, hourly, daily, filtering);
    }

    /// <summary><paramref name="count"/> buckets ending with the one that starts at <paramref name="current"/>; empty buckets count zero.</summary>
    private async Task<MailSeries> SeriesAsync(DateTimeOffset current, TimeSpan bucket, int count, CancellationToken cancellationToken)
    {
        var first = current - bucket * (count - 1);
        var rows = await state.GetMailEventsAsync(first, bucket, cancellationToken).ConfigureAwait(false);
        var buckets = Enumerable.Range(0, count).Select(i => first + bucket * i).ToList();
        var counts = Enum.GetValues<MailEventKind>().ToDictionary(k => k, _ => new long[count]);
        foreach (var (at, kind, n) in rows)
        {
            var index = (int)Math.Floor((at - first) / bucket);
            if (index >= 0 && index < count && counts.TryGetValue(kind, out var series))
                series[index] += n;
        }
        return new MailSeries(buckets, counts);
    }

    /// <summary>The filters' counts of the <paramref name="count"/> days ending with <paramref name="today"/>.</summary>
    private async Task<FilterSeries> FilterSeriesAsync(DateTimeOffset today, int count, CancellationToken cancellationToken)
    {
        var first = today.AddDays(-(count - 1));
        var rows = await filters.GetFilterCountsAsync(first, cancellationToken).ConfigureAwait(false);
        var days = Enumerable.Range(0, count).Select(i => first.AddDays(i)).ToList();
        var refused = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        var quarantined = new long[count];
        var spam = new long[count];
        var ham = new long[count];
        foreach (var row in rows)
        {
            var index = (int)Math.Floor((row.Day - first).TotalDays);
            if (index < 0 || index >= count)
                continue;
            switch (row.Outcome)
            {
                case "rejected":
                case "tempfailed":
                    var key = row.Outcome == "rejected" ? row.Reason : row.Reason + " (deferred)";
                    if (!refused.TryGetValue(key, out var series))
                        refused[key] = series = new long[count];
                    series[index] += row.Count;
                    break;
                case "quarantined":
                    quarantined[index] += row.Count;
                    break;
                case "learned" when row.Reason == "spam":
                    spam[index] += row.Count;
                    break;
                case "learned" when row.Reason == "ham":
                    ham[index] += row.Count;
                    break;
            }
        }
        return new FilterSeries(days, refused, quarantined, spam, ham);
    }

    private static DateTimeOffset Truncate(DateTimeOffset at, TimeSpan bucket) =>
        new(at.UtcTicks - at.UtcTicks % bucket.Ticks, TimeSpan.Zero);
}
