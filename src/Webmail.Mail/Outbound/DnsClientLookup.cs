using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Webmail.Mail.Outbound;

/// <summary><see cref="IDnsLookup"/> over DnsClient, using the system's configured name servers.</summary>
public sealed class DnsClientLookup : IDnsLookup
{
    private readonly LookupClient _client = new(new LookupClientOptions
    {
        UseCache = true,
        Timeout = TimeSpan.FromSeconds(5),
        Retries = 2,
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
    });

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

    public async Task<IReadOnlyList<string>> LookupTxtAsync(string name, CancellationToken cancellationToken)
    {
        var response = await QueryAsync(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
        return response is null ? [] : response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
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
