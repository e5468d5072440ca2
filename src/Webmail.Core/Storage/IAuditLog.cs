using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>Who did what and when: admin actions, sign-ins, failed logins, lockouts.</summary>
public interface IAuditLog
{
    /// <summary>Records one entry; every field is bounded first (addresses and targets to 254 characters, the detail to 1,000).</summary>
    Task WriteAsync(string actor, string action, string target, string detail, string? remoteIp, CancellationToken cancellationToken);
    Task<Page<AuditEntry>> QueryAsync(string? filter, int pageIndex, int pageSize, CancellationToken cancellationToken);
    Task<long> CountSinceAsync(string action, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> of the oldest entries recorded before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);
}

/// <summary>Counters for the dashboard and live-changeable server settings.</summary>
public interface IServerStateStore
{
    Task RecordMailEventAsync(MailEventKind kind, int count, CancellationToken cancellationToken);
    /// <summary>Counts per bucket (<paramref name="bucket"/> long) from <paramref name="since"/> until now.</summary>
    Task<IReadOnlyList<(DateTimeOffset Bucket, MailEventKind Kind, long Count)>> GetMailEventsAsync(DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken);
    Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken);
    Task SetSettingAsync(string key, string value, CancellationToken cancellationToken);
    Task<(long Messages, long Bytes, long DatabaseBytes)> GetTotalsAsync(CancellationToken cancellationToken);
}
