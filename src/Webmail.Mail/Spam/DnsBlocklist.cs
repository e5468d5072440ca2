using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Mail.Outbound;

namespace Webmail.Mail.Spam;

/// <summary>
/// DNS blocklists (RFC 5782) without rspamd: the zones of <c>Webmail:Spam:Dnsbl</c> are asked about an inbound
/// client's address when it connects. A lookup that fails is no listing: a list's outage never refuses mail.
/// </summary>
public sealed class DnsBlocklist(IDnsLookup dns, IOptionsMonitor<WebmailOptions> options, ILogger<DnsBlocklist> logger)
{
    /// <summary>Whether any zone is configured.</summary>
    public bool IsConfigured => Zones.Count > 0;

    private List<string> Zones => options.CurrentValue.Spam.Dnsbl.Select(z => z.Trim().TrimEnd('.')).Where(z => z.Length > 0).ToList();

    /// <summary>The first zone (in configuration order) that lists <paramref name="client"/>, or <c>null</c>.</summary>
    public async Task<string?> FindListingAsync(IPAddress client, CancellationToken cancellationToken)
    {
        var zones = Zones;
        if (zones.Count == 0)
            return null;
        var reversed = ReversedName(client);
        var answers = await Task.WhenAll(zones.Select(zone => IsListedAsync(reversed + "." + zone, cancellationToken))).ConfigureAwait(false);
        var index = Array.IndexOf(answers, true);
        return index < 0 ? null : zones[index];
    }

    private async Task<bool> IsListedAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var addresses = await dns.LookupARecordsAsync(name, cancellationToken).ConfigureAwait(false);
            return addresses.Any(IsListingAnswer);
        }
        catch (DnsLookupException e)
        {
            logger.LogWarning("DNS blocklist lookup {Name} failed, taken as not listed: {Reason}", name, e.Message);
            return false;
        }
    }

    /// <summary>
    /// RFC 5782 §2.1: a listing is an A record in 127.0.0.0/8 (127.0.0.1 is not one: §5). Lists answer
    /// 127.255.255.0/24 for errors (a query over a refused resolver, say), and an answer outside 127/8 means a
    /// wildcarded or expired zone; neither refuses anyone.
    /// </summary>
    internal static bool IsListingAnswer(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
            return false;
        var b = address.GetAddressBytes();
        return b[0] == 127 && !(b[1] == 255 && b[2] == 255) && !(b[1] == 0 && b[2] == 0 && b[3] == 1);
    }

    /// <summary>RFC 5782 §2.1 and §2.4: IPv4 octets, or IPv6 nibbles, in reverse order.</summary>
    internal static string ReversedName(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return string.Join('.', bytes.Reverse().Select(b => b.ToString(CultureInfo.InvariantCulture)));
        var sb = new StringBuilder(63);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (sb.Length > 0)
                sb.Append('.');
            sb.Append((bytes[i] & 0xF).ToString("x", CultureInfo.InvariantCulture)).Append('.').Append((bytes[i] >> 4).ToString("x", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
