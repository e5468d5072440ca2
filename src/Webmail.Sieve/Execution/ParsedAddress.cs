using MimeKit.Utils;

namespace Webmail.Sieve.Execution;

/// <summary>
/// One address as the address and envelope tests see it: <see cref="All"/> as written (a quoted
/// local part keeps its quotes), the local part unquoted, and the domain. A null domain marks a
/// field that held no address: only :all compares it.
/// </summary>
internal sealed record ParsedAddress(string All, string LocalPart, string? Domain)
{
    public static ParsedAddress FromAddress(string address)
    {
        var at = address.LastIndexOf('@');
        if (at < 0)
            return new ParsedAddress(address, address, "");
        var local = address[..at];
        if (local.Length > 1 && local.StartsWith('"') && local.EndsWith('"'))
            local = MimeUtils.Unquote(local);
        return new ParsedAddress(address, local, address[(at + 1)..]);
    }

    public static ParsedAddress Unparsed(string value) => new(value, value, null);
}
