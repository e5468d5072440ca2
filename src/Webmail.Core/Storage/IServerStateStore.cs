using Webmail.Core.Model;

namespace Webmail.Core.Storage;

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
