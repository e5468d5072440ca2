using System.Collections.Concurrent;
using System.Net;

namespace Webmail.Pop3.Net;

/// <summary>Open POP3 connections per client IP address, for <c>Webmail:Limits:MaxSessionsPerIp</c>.</summary>
public sealed class ConnectionCounter
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    /// <summary>Counts a new connection; returns false (and counts nothing) when <paramref name="limit"/> are already open.</summary>
    public bool TryOpen(IPAddress address, int limit)
    {
        address = Normalize(address);
        while (true)
        {
            var current = _open.GetOrAdd(address, 0);
            if (limit > 0 && current >= limit)
                return false;
            if (_open.TryUpdate(address, current + 1, current))
                return true;
        }
    }

    public void Close(IPAddress address)
    {
        address = Normalize(address);
        while (_open.TryGetValue(address, out var current))
        {
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(address, current)) : _open.TryUpdate(address, current - 1, current))
                return;
        }
    }

    public int OpenFrom(IPAddress address) => _open.TryGetValue(Normalize(address), out var n) ? n : 0;

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
