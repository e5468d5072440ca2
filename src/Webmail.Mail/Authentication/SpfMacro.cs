using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webmail.Mail.Authentication;

/// <summary>
/// The macro language of SPF domain specifications (RFC 7208 §7): <c>%{s}</c>, <c>%{ir}.%{v}._spf.%{d2}</c>,
/// <c>%%</c>, <c>%_</c>, <c>%-</c>. Syntax errors throw <see cref="SpfPermErrorException"/>.
/// </summary>
internal static class SpfMacro
{
    /// <summary>The values the macro letters stand for.</summary>
    public sealed record Context(string Sender, string Domain, IPAddress Ip, string Helo);

    /// <summary>True when <paramref name="spec"/> is well formed (§7.1), checked when a record is parsed.</summary>
    public static void Validate(string spec) => Expand(spec, null, exp: false);

    /// <summary>
    /// Expands every macro of <paramref name="spec"/>. With <paramref name="exp"/> it is an explain-string (§6.2: the
    /// text of an <c>exp=</c> TXT record, which may have spaces); a <c>%{c}</c>, <c>%{r}</c> or <c>%{t}</c> outside one is an error (§7.2).
    /// </summary>
    public static string Expand(string spec, Context? context, bool exp = false)
    {
        var result = new StringBuilder(spec.Length + 32);
        for (var i = 0; i < spec.Length; i++)
        {
            var c = spec[i];
            if (c != '%')
            {
                // §7.1: macro-literal is %x21-24 / %x26-7E (visible ASCII but '%'); an explain-string may also have spaces (§6.2).
                if ((c is < '!' or > '~') && !(exp && c == ' '))
                    throw new SpfPermErrorException($"invalid character in '{spec}'");
                result.Append(c);
                continue;
            }
            if (++i >= spec.Length)
                throw new SpfPermErrorException($"'%' at the end of '{spec}'");
            switch (spec[i])
            {
                case '%': result.Append('%'); break;
                case '_': result.Append(' '); break;
                case '-': result.Append("%20"); break;
                case '{':
                    var close = spec.IndexOf('}', i);
                    if (close < 0)
                        throw new SpfPermErrorException($"unclosed macro in '{spec}'");
                    result.Append(ExpandOne(spec[(i + 1)..close], context, exp));
                    i = close;
                    break;
                default:
                    throw new SpfPermErrorException($"invalid macro '%{spec[i]}'");
            }
        }
        return result.ToString();
    }

    private static string ExpandOne(string macro, Context? context, bool exp)
    {
        if (macro.Length == 0)
            throw new SpfPermErrorException("empty macro");
        var letter = macro[0];
        var lower = char.ToLowerInvariant(letter);
        if (lower is not ('s' or 'l' or 'o' or 'd' or 'i' or 'p' or 'v' or 'h' or 'c' or 'r' or 't'))
            throw new SpfPermErrorException($"unknown macro letter '{letter}'");
        if (!exp && lower is 'c' or 'r' or 't')
            throw new SpfPermErrorException($"macro '{letter}' is allowed only in exp");
        var i = 1;
        var digits = 0;
        var hasDigits = false;
        while (i < macro.Length && char.IsAsciiDigit(macro[i]))
        {
            digits = Math.Min(digits * 10 + (macro[i] - '0'), 1000);
            hasDigits = true;
            i++;
        }
        if (hasDigits && digits == 0)
            throw new SpfPermErrorException("a macro may not keep zero parts");
        var reverse = false;
        if (i < macro.Length && macro[i] is 'r' or 'R')
        {
            reverse = true;
            i++;
        }
        var delimiters = macro[i..];
        if (delimiters.Any(d => d is not ('.' or '-' or '+' or ',' or '/' or '_' or '=')))
            throw new SpfPermErrorException($"invalid macro '%{{{macro}}}'");
        if (context is null)
            return "";

        var value = Value(lower, context);
        // §7.3: split on the delimiters (default '.'), optionally reverse, keep the rightmost N, join with '.'.
        var parts = value.Split(delimiters.Length > 0 ? delimiters.ToCharArray() : ['.']);
        if (reverse)
            Array.Reverse(parts);
        if (hasDigits && digits < parts.Length)
            parts = parts[^digits..];
        var expanded = string.Join('.', parts);
        // §7.3: an uppercase macro letter is URL-escaped.
        return char.IsUpper(letter) ? Uri.EscapeDataString(expanded) : expanded;
    }

    private static string Value(char letter, Context context)
    {
        var at = context.Sender.LastIndexOf('@');
        return letter switch
        {
            's' => context.Sender,
            'l' => at > 0 ? context.Sender[..at] : "postmaster",
            'o' => at >= 0 ? context.Sender[(at + 1)..] : context.Sender,
            'd' => context.Domain,
            'i' => IpText(context.Ip),
            // §7.3: "p" asks for validated reverse names, which the RFC discourages; "unknown" is what it allows.
            'p' => "unknown",
            'v' => context.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
            'h' => context.Helo,
            'c' => context.Ip.ToString(),
            'r' => "unknown",
            't' => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "",
        };
    }

    /// <summary>§7.3: IPv4 dotted, IPv6 as dot-separated nibbles.</summary>
    private static string IpText(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetworkV6)
            return ip.ToString();
        var nibbles = new StringBuilder(63);
        foreach (var b in ip.GetAddressBytes())
        {
            if (nibbles.Length > 0)
                nibbles.Append('.');
            nibbles.Append("0123456789abcdef"[b >> 4]).Append('.').Append("0123456789abcdef"[b & 15]);
        }
        return nibbles.ToString();
    }
}

/// <summary>A record, or a step of its evaluation, that makes the result <c>permerror</c> (RFC 7208 §2.6.7).</summary>
internal sealed class SpfPermErrorException(string message) : Exception(message);
