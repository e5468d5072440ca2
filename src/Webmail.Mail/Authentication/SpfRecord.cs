using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Webmail.Mail.Authentication;

/// <summary>One directive of an SPF record: qualifier, mechanism and its arguments (RFC 7208 §4.6.1, §5).</summary>
internal sealed record SpfDirective(SpfVerdict Qualifier, string Mechanism, string Text, string? DomainSpec = null, (IPAddress Address, int Prefix)? Network = null, int Prefix4 = 32, int Prefix6 = 128);

/// <summary>
/// An SPF record parsed whole before any of it is evaluated: RFC 7208 §4.6 makes a syntax error anywhere
/// a <c>permerror</c>, even after a mechanism that would have matched.
/// </summary>
/// <param name="Explanation">The <c>exp=</c> modifier's domain-spec (§6.2), not yet expanded; null without one.</param>
internal sealed record SpfRecord(IReadOnlyList<SpfDirective> Directives, string? Redirect, string? Explanation = null)
{
    /// <summary>Longest record text evaluated; a DNS TXT answer cannot carry much more in practice.</summary>
    public const int MaxLength = 4096;

    public static SpfRecord Parse(string text)
    {
        if (text.Length > MaxLength)
            throw new SpfPermErrorException("SPF record too long");
        var directives = new List<SpfDirective>();
        string? redirect = null;
        string? explanation = null;
        // §4.6.1: terms are separated by one or more spaces; the record starts with "v=spf1".
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = term.IndexOf('=');
            var colon = term.IndexOf(':');
            var slash = term.IndexOf('/');
            // A modifier's name is followed by '=' before any ':' or '/' (§4.6.1: name "=" macro-string).
            if (eq > 0 && (colon < 0 || eq < colon) && (slash < 0 || eq < slash) && IsName(term[..eq]))
            {
                var name = term[..eq].ToLowerInvariant();
                var value = term[(eq + 1)..];
                SpfMacro.Validate(value);
                if (name == "redirect")
                {
                    // §6: each modifier at most once.
                    if (redirect is not null)
                        throw new SpfPermErrorException("redirect given twice");
                    redirect = RequireDomainSpec(value, "redirect");
                }
                else if (name == "exp")
                {
                    if (explanation is not null)
                        throw new SpfPermErrorException("exp given twice");
                    explanation = RequireDomainSpec(value, "exp");
                }
                // §6: unknown modifiers are ignored.
                continue;
            }
            directives.Add(ParseDirective(term));
        }
        // §6.1: redirect is ignored when the record has an "all" mechanism.
        if (directives.Any(d => d.Mechanism == "all"))
            redirect = null;
        return new SpfRecord(directives, redirect, explanation);
    }

    private static SpfDirective ParseDirective(string term)
    {
        var qualifier = SpfVerdict.Pass;
        var body = term;
        if (term[0] is '+' or '-' or '~' or '?')
        {
            qualifier = term[0] switch { '-' => SpfVerdict.Fail, '~' => SpfVerdict.SoftFail, '?' => SpfVerdict.Neutral, _ => SpfVerdict.Pass };
            body = term[1..];
        }
        var end = body.IndexOfAny([':', '/']);
        var name = (end < 0 ? body : body[..end]).ToLowerInvariant();
        var rest = end < 0 ? "" : body[end..];
        switch (name)
        {
            case "all":
                if (rest.Length > 0)
                    throw new SpfPermErrorException($"bad term '{term}'");
                return new(qualifier, name, term);
            case "include":
            case "exists":
                if (!rest.StartsWith(':'))
                    throw new SpfPermErrorException($"'{name}' needs a domain");
                return new(qualifier, name, term, RequireDomainSpec(rest[1..], name));
            case "a":
            case "mx":
            {
                var (spec, p4, p6) = SplitCidr(rest, term);
                return new(qualifier, name, term, spec, Prefix4: p4, Prefix6: p6);
            }
            case "ptr":
            {
                if (rest.Length > 0 && !rest.StartsWith(':'))
                    throw new SpfPermErrorException($"bad term '{term}'");
                return new(qualifier, name, term, rest.Length > 0 ? RequireDomainSpec(rest[1..], name) : null);
            }
            case "ip4":
            case "ip6":
                return new(qualifier, name, term, Network: ParseNetwork(name, rest, term));
            default:
                throw new SpfPermErrorException($"unknown mechanism '{term}'");
        }
    }

    /// <summary><c>[":" domain-spec] [ip4-cidr-length] ["/" ip6-cidr-length]</c> (§5.3, §5.4).</summary>
    private static (string? Spec, int Prefix4, int Prefix6) SplitCidr(string rest, string term)
    {
        string? spec = null;
        var cidr = rest;
        if (rest.StartsWith(':'))
        {
            // The domain-spec ends at the first '/' (macro strings cannot contain one).
            var slash = rest.IndexOf('/');
            spec = RequireDomainSpec(slash < 0 ? rest[1..] : rest[1..slash], term);
            cidr = slash < 0 ? "" : rest[slash..];
        }
        int p4 = 32, p6 = 128;
        if (cidr.Length > 0)
        {
            if (!cidr.StartsWith('/'))
                throw new SpfPermErrorException($"bad term '{term}'");
            var dual = cidr.IndexOf("//", StringComparison.Ordinal);
            var v4 = dual < 0 ? cidr[1..] : dual == 0 ? "" : cidr[1..dual];
            var v6 = dual < 0 ? null : cidr[(dual + 2)..];
            if (v4.Length > 0)
                p4 = Prefix(v4, 32, term);
            if (v6 is not null)
                p6 = Prefix(v6, 128, term);
        }
        return (spec, p4, p6);
    }

    private static (IPAddress, int) ParseNetwork(string name, string rest, string term)
    {
        if (!rest.StartsWith(':'))
            throw new SpfPermErrorException($"'{name}' needs an address");
        var value = rest[1..];
        var slash = value.IndexOf('/');
        var text = slash < 0 ? value : value[..slash];
        var family = name == "ip4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        // ip4 must be a dotted quad (IPAddress.Parse would take "1" or "0x7f.1").
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != family
            || (family == AddressFamily.InterNetwork && (text.Split('.').Length != 4 || !text.All(c => char.IsAsciiDigit(c) || c == '.'))))
            throw new SpfPermErrorException($"bad address in '{term}'");
        var max = family == AddressFamily.InterNetwork ? 32 : 128;
        return (address, slash < 0 ? max : Prefix(value[(slash + 1)..], max, term));
    }

    private static int Prefix(string text, int max, string term)
    {
        // §5.6: a prefix length is decimal without leading zeros, not above the family's width.
        if (text.Length is 0 or > 3 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0')
            || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > max)
            throw new SpfPermErrorException($"bad prefix length in '{term}'");
        return prefix;
    }

    /// <summary>§7.1: a domain-spec is a macro-string ending in a macro-expand or a top label (not all digits).</summary>
    private static string RequireDomainSpec(string spec, string term)
    {
        SpfMacro.Validate(spec);
        if (spec.Length == 0)
            throw new SpfPermErrorException($"empty domain in '{term}'");
        var trimmed = spec.EndsWith('.') ? spec[..^1] : spec;
        if (trimmed.EndsWith('}'))
            return spec;
        var dot = trimmed.LastIndexOf('.');
        var top = dot < 0 ? trimmed : trimmed[(dot + 1)..];
        if (dot < 0 || top.Length == 0 || top.All(char.IsAsciiDigit) || !top.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || top.StartsWith('-') || top.EndsWith('-'))
            throw new SpfPermErrorException($"'{spec}' is not a domain name");
        return spec;
    }

    private static bool IsName(string name) => name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
