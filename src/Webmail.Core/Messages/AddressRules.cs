using System.Text.RegularExpressions;

namespace Webmail.Core.Messages;

/// <summary>
/// The address shapes this server accepts for its own domains, accounts and aliases, and the
/// checks that keep envelope addresses from carrying routing tricks (RFC 5321 §3.6.1 source
/// routes, <c>%</c>-hack and <c>!</c> bang paths, address literals).
/// </summary>
public static partial class AddressRules
{
    /// <summary>The longest address (RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets).</summary>
    public const int MaxAddressLength = 254;

    // \z, not $: in .NET '$' also matches before a final '\n', which let "user\n@domain" through.
    [GeneratedRegex(@"^(?=.{1,253}\z)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+\z")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^[a-z0-9!#$&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$&'*+/=?^_`{|}~-]+)*\z")]
    private static partial Regex LocalPartPattern();

    /// <summary>Lower-cases and checks a domain name (letters, digits, hyphens, at least two labels).</summary>
    public static bool TryNormalizeDomain(string? value, out string domain)
    {
        domain = (value ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        return DomainPattern().IsMatch(domain);
    }

    /// <summary>
    /// Lower-cases and checks <c>local@domain</c>: a dot-atom local part of at most 64 octets
    /// without <c>%</c> or <c>!</c>, and a domain name (no literals, no source route).
    /// </summary>
    public static bool TryNormalizeAddress(string? value, out string address)
    {
        address = "";
        var text = (value ?? "").Trim().ToLowerInvariant();
        var at = text.LastIndexOf('@');
        if (at <= 0 || at > 64 || text.Length > MaxAddressLength)
            return false;
        var local = text[..at];
        if (!LocalPartPattern().IsMatch(local) || local.Contains('%') || local.Contains('!'))
            return false;
        if (!TryNormalizeDomain(text[(at + 1)..], out var domain))
            return false;
        address = local + "@" + domain;
        return true;
    }

    /// <summary>The domain part of an address, lower-cased.</summary>
    public static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..].ToLowerInvariant();
    }

    /// <summary>The local part of an address.</summary>
    public static string LocalPartOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? address : address[..at];
    }
}
