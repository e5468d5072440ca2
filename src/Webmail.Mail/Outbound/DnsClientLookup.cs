using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Mail.Outbound;

/// <summary>
/// <see cref="IDnsLookup"/> over DnsClient: the system's name servers, or those of
/// <c>Webmail:Dns:Servers</c>; answers cached for their TTL, and a name that does not exist (or a server failure)
/// for <see cref="NegativeCacheDuration"/>.
/// </summary>
public sealed class DnsClientLookup : IDnsLookup
{
    private readonly LookupClient _client;

    /// <summary>The service key of the resolver without a cache (<see cref="DnsClientLookup(IOptions{WebmailOptions}, bool)"/>).</summary>
    public const string Uncached = "uncached";

    public DnsClientLookup(IOptions<WebmailOptions> options) : this(options, cache: true)
    {
    }

    /// <param name="cache">False for a check a person asks for right after changing their DNS (the admin's Check DNS):
    /// every question goes to the name server, so a record just published, or just fixed, is seen at once.</param>
    public DnsClientLookup(IOptions<WebmailOptions> options, bool cache)
    {
        var dns = options.Value.Dns;
        var servers = dns.Servers.Where(s => !string.IsNullOrWhiteSpace(s)).Select(ParseServer).ToArray();
        // With no servers given, the system's (resolv.conf).
        var settings = servers.Length == 0 ? new LookupClientOptions() : new LookupClientOptions(servers);
        settings.UseCache = cache;
        // Negative answers are cached too (RFC 2308): most senders publish no DMARC record and many no SPF, so
        // without it every message from such a sender asked the name server again for each of them, twice per
        // message on the way to the 250 of one SMTP session.
        settings.CacheFailedResults = cache;
        settings.FailedResultsCacheDuration = NegativeCacheDuration;
        settings.Timeout = dns.Timeout;
        settings.Retries = 2;
        settings.ThrowDnsErrors = false;
        settings.ContinueOnDnsError = false;
        _client = new LookupClient(settings);
    }

    /// <summary>
    /// How long "no such name" and server failures are remembered. DnsClient does not read the SOA's negative TTL, so
    /// this is a fixed bound: short enough that a record just published is seen within it, and RFC 2308 §7.1 allows up
    /// to five minutes for a server failure.
    /// </summary>
    public static readonly TimeSpan NegativeCacheDuration = TimeSpan.FromSeconds(30);

    private static NameServer ParseServer(string value)
    {
        var (host, port) = EndpointParser.ParseHostPort(value, 53);
        return IPAddress.TryParse(host, out var address)
            ? new NameServer(address, port)
            : throw new FormatException($"Webmail:Dns:Servers: '{value}' is not an IP address with an optional port (a name server cannot be found by name).");
    }

    public async Task<MxAnswer> LookupMxAsync(string domain, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(domain, QueryType.MX, cancellationToken).ConfigureAwait(false);
        if (response is null)
            return new MxAnswer(false, []);
        var records = response.Answers.MxRecords()
            .Select(r => new MxHost(r.Preference, r.Exchange.Value.TrimEnd('.')))
            .ToList();
        return new MxAnswer(true, records);
    }

    public async Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var a = await QueryAsync(host, QueryType.A, cancellationToken).ConfigureAwait(false);
        var aaaa = await QueryAsync(host, QueryType.AAAA, cancellationToken).ConfigureAwait(false);
        var addresses = new List<IPAddress>();
        if (a is not null)
            addresses.AddRange(a.Answers.ARecords().Select(r => r.Address));
        if (aaaa is not null)
            addresses.AddRange(aaaa.Answers.AaaaRecords().Select(r => r.Address));
        if (addresses.Count == 0)
        {
            // Names DNS does not know (localhost, /etc/hosts entries used for split setups) still resolve.
            try
            {
                addresses.AddRange(await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false));
            }
            catch (SocketException)
            {
                // No such host in the local resolver either: an empty answer.
            }
        }
        return addresses;
    }

    public async Task<IReadOnlyList<IPAddress>> LookupARecordsAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(name, QueryType.A, cancellationToken).ConfigureAwait(false);
        return response is null ? [] : response.Answers.ARecords().Select(r => r.Address).ToList();
    }

    public async Task<IReadOnlyList<string>> LookupTxtAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
        return response is null ? [] : response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
    }

    public async Task<string?> LookupCnameAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(name, QueryType.CNAME, cancellationToken).ConfigureAwait(false);
        return response?.Answers.CnameRecords().Select(r => r.CanonicalName.Value.TrimEnd('.')).FirstOrDefault();
    }

    public async Task<IReadOnlyList<SrvTarget>> LookupSrvAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(name, QueryType.SRV, cancellationToken).ConfigureAwait(false);
        return response is null
            ? []
            : response.Answers.SrvRecords().Select(r => new SrvTarget(r.Priority, r.Weight, r.Port, r.Target.Value == "." ? "." : r.Target.Value.TrimEnd('.'))).ToList();
    }

    public async Task<IReadOnlyList<string>> LookupPtrAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(address.GetArpaName(), QueryType.PTR, cancellationToken).ConfigureAwait(false);
        return response is null ? [] : response.Answers.PtrRecords().Select(r => r.PtrDomainName.Value.TrimEnd('.')).ToList();
    }

    /// <returns>The response, or <c>null</c> for NXDOMAIN.</returns>
    private async Task<IDnsQueryResponse?> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException e)
        {
            throw new DnsLookupException($"DNS {type} lookup for {name} failed: {e.Message}", e);
        }
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return null;
        if (response.HasError)
            throw new DnsLookupException($"DNS {type} lookup for {name} failed: {response.ErrorMessage}");
        return response;
    }
}
