using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Storage;

namespace Webmail.Hosting;

/// <summary>
/// Background retention, once at start and then hourly: audit entries older than
/// <see cref="LimitOptions.AuditRetention"/> and web sessions past their end are removed, and each
/// folder's expunge log is cut to <see cref="LimitOptions.ExpungeLogPerFolder"/> rows.
/// </summary>
public sealed class Housekeeping(IAuditLog audit, IWebSessionStore sessions, IImapStore imap, IOptionsMonitor<WebmailOptions> options, TimeProvider time, ILogger<Housekeeping> logger)
    : BackgroundService
{
    /// <summary>Time between passes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    // Deleting in small units keeps each write short, so deliveries sharing the writer never wait long.
    private const int Batch = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (StoreUnavailableException e)
                {
                    logger.LogWarning(e, "Housekeeping could not write to the store; trying again in {Interval}", Interval);
                }
                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: returns how many audit entries and sessions were removed.</summary>
    public async Task<(int AuditEntries, int Sessions)> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var removed = 0;
        if (options.CurrentValue.Limits.AuditRetention is { } retention && retention > TimeSpan.Zero)
        {
            int batch;
            do
            {
                batch = await audit.PruneAsync(now - retention, Batch, cancellationToken);
                removed += batch;
            }
            while (batch == Batch);
        }
        var sessionsRemoved = await sessions.PruneExpiredAsync(now, cancellationToken);
        var expunges = await imap.CompactExpungeLogAsync(options.CurrentValue.Limits.ExpungeLogPerFolder, cancellationToken);
        if (expunges > 0)
            logger.LogInformation("Removed {Expunges} old rows of the IMAP expunge log", expunges);
        if (removed > 0 || sessionsRemoved > 0)
            logger.LogInformation("Removed {AuditEntries} audit entries older than the retention and {Sessions} expired web sessions", removed, sessionsRemoved);
        return (removed, sessionsRemoved);
    }
}
