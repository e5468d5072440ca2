using System.Net;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Tests;

/// <summary>A DNS resolver the test fills in: MX, A/AAAA and TXT answers, NXDOMAIN for anything else.</summary>
public sealed class TestDns : IDnsLookup
{
    public Dictionary<string, List<MxHost>> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, List<IPAddress>> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, List<string>> Txt { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Names whose lookups fail temporarily (SERVFAIL).</summary>
    public HashSet<string> Failing { get; } = new(StringComparer.OrdinalIgnoreCase);

    private bool Exists(string name) => Mx.ContainsKey(name) || Addresses.ContainsKey(name) || Txt.ContainsKey(name);

    private void ThrowIfFailing(string name)
    {
        if (Failing.Contains(name))
            throw new DnsLookupException($"SERVFAIL for {name}");
    }

    public Task<MxAnswer> LookupMxAsync(string domain, CancellationToken cancellationToken)
    {
        ThrowIfFailing(domain);
        return Task.FromResult(new MxAnswer(Exists(domain), Mx.TryGetValue(domain, out var mx) ? mx : []));
    }

    public Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken cancellationToken)
    {
        ThrowIfFailing(host);
        return Task.FromResult<IReadOnlyList<IPAddress>>(Addresses.TryGetValue(host, out var a) ? a : []);
    }

    public Task<IReadOnlyList<IPAddress>> LookupARecordsAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfFailing(name);
        return Task.FromResult<IReadOnlyList<IPAddress>>(Addresses.TryGetValue(name, out var a) ? a.Where(x => x.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToList() : []);
    }

    public Task<IReadOnlyList<string>> LookupTxtAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfFailing(name);
        return Task.FromResult<IReadOnlyList<string>>(Txt.TryGetValue(name, out var t) ? t : []);
    }

    public Task<string?> LookupCnameAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfFailing(name);
        return Task.FromResult<string?>(null);
    }

    public Task<IReadOnlyList<SrvTarget>> LookupSrvAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfFailing(name);
        return Task.FromResult<IReadOnlyList<SrvTarget>>([]);
    }

    public Task<IReadOnlyList<string>> LookupPtrAsync(IPAddress address, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
