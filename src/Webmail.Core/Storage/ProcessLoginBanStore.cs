using System.Collections.Concurrent;

namespace Webmail.Core.Storage;

/// <summary>Bans kept in this process: one node (the SQLite store) has no other node to share them with.</summary>
public sealed class ProcessLoginBanStore : ILoginBanStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _bans = new(StringComparer.Ordinal);

    public Task SaveBanAsync(string key, DateTimeOffset until, CancellationToken cancellationToken)
    {
        _bans.AddOrUpdate(key, until, (_, earlier) => until > earlier ? until : earlier);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(string Key, DateTimeOffset Until)>> ActiveBansAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (key, until) in _bans)
        {
            if (until <= now)
                _bans.TryRemove(KeyValuePair.Create(key, until));
        }
        return Task.FromResult<IReadOnlyList<(string, DateTimeOffset)>>([.. _bans.Where(b => b.Value > now).Select(b => (b.Key, b.Value))]);
    }
}
