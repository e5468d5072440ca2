using System.Collections.Concurrent;
using System.Net;

namespace Webmail.Core.Hosting;

/// <summary>What <see cref="ConnectionCounter.TryOpen"/> decided about a new connection.</summary>
public enum ConnectionAdmission
{
    Admitted,
    /// <summary><c>Webmail:Limits:MaxSessionsPerIp</c> connections from this address are open already.</summary>
    TooManyFromAddress,
    /// <summary><c>Webmail:Limits:MaxPop3Sessions</c> connections are open already, from all addresses.</summary>
    TooManyInAll,
}

/// <summary>
/// Open connections per client IP address and in all, for the session limits of one listener or a
/// group of them (SMTP and POP3 alike). An IPv4 address and its IPv4-mapped IPv6 form
/// (<c>::ffff:192.0.2.1</c>, as a dual-stack socket reports it) count as the same client.
/// </summary>
public sealed class ConnectionCounter
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();
    private int _total;

    /// <summary>Open connections from all addresses.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>
    /// Counts a new connection, unless <paramref name="perAddress"/> are already open from its address
    /// or <paramref name="inAll"/> in all (then nothing is counted). A limit of 0 means none.
    /// </summary>
    public ConnectionAdmission TryOpen(IPAddress address, int perAddress, int inAll)
    {
        if (Interlocked.Increment(ref _total) > inAll && inAll > 0)
        {
            Interlocked.Decrement(ref _total);
            return ConnectionAdmission.TooManyInAll;
        }
        address = Normalize(address);
        while (true)
        {
            var current = _open.GetOrAdd(address, 0);
            if (perAddress > 0 && current >= perAddress)
            {
                Interlocked.Decrement(ref _total);
                return ConnectionAdmission.TooManyFromAddress;
            }
            if (_open.TryUpdate(address, current + 1, current))
                return ConnectionAdmission.Admitted;
        }
    }

    /// <summary>Uncounts a connection that <see cref="TryOpen"/> admitted.</summary>
    public void Close(IPAddress address)
    {
        Interlocked.Decrement(ref _total);
        address = Normalize(address);
        while (_open.TryGetValue(address, out var current))
        {
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(address, current)) : _open.TryUpdate(address, current - 1, current))
                return;
        }
    }

    /// <summary>Open connections from <paramref name="address"/>.</summary>
    public int OpenFrom(IPAddress address) => _open.TryGetValue(Normalize(address), out var n) ? n : 0;

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
