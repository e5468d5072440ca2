using System.Net;

namespace Webmail.Mail.Outbound;

/// <summary>
/// The DNS questions the server asks: MX for routing, A/AAAA for connecting, TXT for DKIM keys, and
/// CNAME and SRV for the admin's check of a domain's records, and what sender authentication asks (SPF: TXT, A/AAAA, MX, PTR; DMARC: TXT). The default implementation uses
/// DnsClient with the system's name servers or <c>Webmail:Dns:Servers</c> (tests point it at a DNS
/// server on loopback).
/// </summary>
public interface IDnsLookup
{
    /// <summary>The domain's MX records (empty when it has none).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily (timeout, SERVFAIL).</exception>
    Task<MxAnswer> LookupMxAsync(string domain, CancellationToken cancellationToken);

    /// <summary>The host's IPv4 and IPv6 addresses (empty when it has none).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken cancellationToken);

    /// <summary>
    /// The IPv4 addresses of the A records at <paramref name="name"/>, from DNS alone (no local hosts file or system
    /// resolver behind it): what a DNS blocklist answers (RFC 5782 §2.1). Empty for NXDOMAIN.
    /// </summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<IReadOnlyList<IPAddress>> LookupARecordsAsync(string name, CancellationToken cancellationToken);

    /// <summary>The TXT records at <paramref name="name"/>, each with its strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<IReadOnlyList<string>> LookupTxtAsync(string name, CancellationToken cancellationToken);

    /// <summary>The target of the CNAME record at <paramref name="name"/> (no trailing dot), or null when there is none.</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<string?> LookupCnameAsync(string name, CancellationToken cancellationToken);

    /// <summary>The SRV records at <paramref name="name"/> (RFC 2782), targets without the trailing dot ("." stays "." : the service is not offered).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<IReadOnlyList<SrvTarget>> LookupSrvAsync(string name, CancellationToken cancellationToken);

    /// <summary>The names in the PTR records of <paramref name="address"/> (reverse DNS, no trailing dot; empty when there are none).</summary>
    /// <exception cref="DnsLookupException">The lookup failed temporarily.</exception>
    Task<IReadOnlyList<string>> LookupPtrAsync(IPAddress address, CancellationToken cancellationToken);
}

/// <summary>One SRV record (RFC 2782).</summary>
public sealed record SrvTarget(int Priority, int Weight, int Port, string Target);
