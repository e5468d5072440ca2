using System.Net;
using System.Net.Sockets;

namespace Webmail.Mail.Delivery;

/// <summary>
/// <c>Webmail:Smtp:TrustedNetworks</c>: the networks (CIDR, IPv4 or IPv6) whose unauthenticated mail may
/// name one of our own domains as its sender — a scanner, an application server, an upstream filter.
/// IPv4-mapped IPv6 addresses (<c>::ffff:192.0.2.1</c>) count as the IPv4 address, in the list and in
/// the client's address alike.
/// </summary>
public sealed class TrustedNetworks
{
    private readonly IPNetwork[] _networks;

    private TrustedNetworks(IPNetwork[] networks) => _networks = networks;

    /// <summary>No trusted network (the default).</summary>
    public static readonly TrustedNetworks None = new([]);

    /// <summary>Parses CIDR entries; a bare address means that one host.</summary>
    /// <exception cref="FormatException">An entry is not an address or a CIDR block (the message names it).</exception>
    public static TrustedNetworks Parse(IEnumerable<string>? entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var raw in entries ?? [])
        {
            var entry = raw?.Trim() ?? "";
            if (entry.Length == 0)
                continue;
            var slash = entry.IndexOf('/');
            if (!IPAddress.TryParse(slash < 0 ? entry : entry[..slash], out var address))
                throw new FormatException($"Webmail:Smtp:TrustedNetworks: '{entry}' is not an IP address or CIDR block");
            var prefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            if (slash >= 0 && (!int.TryParse(entry[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)))
                throw new FormatException($"Webmail:Smtp:TrustedNetworks: '{entry}' has no valid prefix length");
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
                prefix = Math.Max(0, prefix - 96);
            }
            networks.Add(new IPNetwork(Mask(address, prefix), prefix));
        }
        return new TrustedNetworks([.. networks]);
    }

    /// <summary>True when <paramref name="address"/> lies in one of the networks (never for <c>null</c>).</summary>
    public bool Contains(IPAddress? address)
    {
        if (address is null || _networks.Length == 0)
            return false;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        foreach (var network in _networks)
        {
            if (network.Contains(address))
                return true;
        }
        return false;
    }

    /// <summary>Clears the host bits (IPNetwork refuses a base address that has any), so <c>10.1.2.3/8</c> means 10.0.0.0/8.</summary>
    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(bytes);
    }
}
