using System.Net;

namespace Webmail.Mail.Outbound;

/// <summary>
/// The DNS questions mail delivery asks: MX for routing, A/AAAA for connecting, TXT for DKIM keys.
/// The default implementation uses DnsClient; tests register their own resolver.
/// </summary>
public interface IDnsLookup
{
    /// <summary>The domain's MX records (empty when it has none).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily (timeout, SERVFAIL).</exception>
    Task<MxAnswer> LookupMxAsync(string domain, CancellationToken cancellationToken);

    /// <summary>The host's IPv4 and IPv6 addresses (empty when it has none).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken cancellationToken);

    /// <summary>The TXT records at <paramref name="name"/>, each with its strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<IReadOnlyList<string>> LookupTxtAsync(string name, CancellationToken cancellationToken);
}
