using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;

namespace Webmail.Mail.Outbound;

/// <summary>
/// Chooses where a recipient domain's mail goes. First match wins: a configured route
/// (<c>Webmail:Delivery:Routes</c>), the smart host, then the domain's MX records in preference
/// order, falling back to the domain's own A/AAAA record when it has no MX (RFC 5321 §5.1).
/// </summary>
public sealed class RouteResolver(IDnsLookup dns, IOptionsMonitor<WebmailOptions> options)
{
    /// <exception cref="DnsLookupException">DNS failed temporarily.</exception>
    public async Task<RoutePlan> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        var delivery = options.CurrentValue.Delivery;
        if (delivery.Routes.TryGetValue(domain, out var route) && !string.IsNullOrWhiteSpace(route))
            return new RoutePlan([ParseHostPort(route, 25)]);
        if (!string.IsNullOrWhiteSpace(delivery.SmartHost))
            return new RoutePlan([ParseHostPort(delivery.SmartHost, 25) with { IsSmartHost = true }]);

        var answer = await dns.LookupMxAsync(domain, cancellationToken).ConfigureAwait(false);
        if (!answer.DomainExists)
            return RoutePlan.Unroutable($"The domain {domain} does not exist.", "5.1.2");
        if (answer.IsNullMx)
            return RoutePlan.Unroutable($"The domain {domain} accepts no mail (null MX).", "5.1.10");
        var port = delivery.MxPort;
        var hosts = answer.Records
            .Where(r => r.Host.Length > 0)
            // RFC 5321 §5.1: lowest preference first; equal preferences in random order to spread load.
            .GroupBy(r => r.Preference)
            .OrderBy(g => g.Key)
            .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
            .Select(r => new DeliveryTarget(r.Host, port))
            .ToList();
        if (hosts.Count > 0)
            return new RoutePlan(hosts, FromMx: true);

        // RFC 5321 §5.1: no MX records — the domain itself is the implicit MX if it has an address.
        var addresses = await dns.LookupAddressesAsync(domain, cancellationToken).ConfigureAwait(false);
        return addresses.Count > 0
            ? new RoutePlan([new DeliveryTarget(domain, port)], FromMx: true)
            : RoutePlan.Unroutable($"The domain {domain} has no MX and no address record.", "5.1.2");
    }

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or a bare host.</summary>
    public static DeliveryTarget ParseHostPort(string value, int defaultPort)
    {
        value = value.Trim();
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            var host = value[1..close];
            var rest = value[(close + 1)..];
            return new DeliveryTarget(host, rest.StartsWith(':') ? int.Parse(rest[1..], System.Globalization.CultureInfo.InvariantCulture) : defaultPort);
        }
        var colon = value.LastIndexOf(':');
        if (colon > 0 && value.IndexOf(':') == colon && int.TryParse(value[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
            return new DeliveryTarget(value[..colon], port);
        return new DeliveryTarget(value, defaultPort);
    }
}
