using System.Collections.Concurrent;
using System.Net;

namespace Webmail.Imap;

/// <summary>
/// Open IMAP sessions per account and client address (as Dovecot's <c>mail_max_userip_connections</c>):
/// ten sessions of one person's phone and desktop are normal, a hundred people behind one address
/// are too, so the limit is per pair.
/// </summary>
public sealed class AccountSessionCounter
{
    private readonly ConcurrentDictionary<(long Account, IPAddress Address), int> _open = new();

    /// <summary>Counts a session unless <paramref name="limit"/> are open for the pair already (0: no limit).</summary>
    public bool TryOpen(long accountId, IPAddress address, int limit)
    {
        var key = (accountId, Normalize(address));
        while (true)
        {
            var current = _open.GetOrAdd(key, 0);
            if (limit > 0 && current >= limit)
                return false;
            if (_open.TryUpdate(key, current + 1, current))
                return true;
        }
    }

    public void Close(long accountId, IPAddress address)
    {
        var key = (accountId, Normalize(address));
        while (_open.TryGetValue(key, out var current))
        {
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<(long, IPAddress), int>(key, current)) : _open.TryUpdate(key, current - 1, current))
                return;
        }
    }

    /// <summary>Sessions open for the pair.</summary>
    public int Open(long accountId, IPAddress address) => _open.TryGetValue((accountId, Normalize(address)), out var n) ? n : 0;

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
