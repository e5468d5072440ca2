using System.Globalization;

namespace Webmail.Mail.Authentication;

/// <summary>What a DMARC policy asks a receiver to do with failing mail (RFC 7489 §6.3 <c>p=</c>).</summary>
public enum DmarcPolicy
{
    None,
    Quarantine,
    Reject,
}

/// <summary>
/// A DMARC record (RFC 7489 §6.3), the tags this receiver uses: <c>p</c>, <c>sp</c>, <c>pct</c>,
/// <c>adkim</c>, <c>aspf</c>. Reporting tags (<c>rua</c>, <c>ruf</c>, <c>fo</c>, <c>rf</c>, <c>ri</c>) are read past:
/// aggregate reports are not sent.
/// </summary>
public sealed record DmarcRecord(DmarcPolicy Policy, DmarcPolicy? SubdomainPolicy, int Percent, bool StrictDkim, bool StrictSpf)
{
    /// <summary>True when the text starts with the version tag (§6.4: <c>v=DMARC1</c> first, case-sensitive value).</summary>
    public static bool IsDmarc(string text)
    {
        var semi = text.IndexOf(';');
        var first = (semi < 0 ? text : text[..semi]).Trim();
        var eq = first.IndexOf('=');
        return eq > 0 && first[..eq].Trim() == "v" && first[(eq + 1)..].Trim() == "DMARC1";
    }

    /// <summary>Parses a record that <see cref="IsDmarc"/> accepted; null when it is not usable (§6.6.3: then no policy).</summary>
    public static DmarcRecord? Parse(string text)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0)
                tags.TryAdd(part[..eq].Trim(), part[(eq + 1)..].Trim());
        }
        DmarcPolicy? policy = tags.TryGetValue("p", out var p) ? PolicyOf(p) : null;
        if (policy is null)
        {
            // §6.6.3: a record without a valid p= but with rua= is treated as p=none; otherwise it is ignored.
            if (!tags.ContainsKey("rua"))
                return null;
            policy = DmarcPolicy.None;
        }
        var subdomain = tags.TryGetValue("sp", out var sp) ? PolicyOf(sp) : null;
        var percent = 100;
        if (tags.TryGetValue("pct", out var pct) && int.TryParse(pct, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            percent = Math.Clamp(value, 0, 100);
        return new DmarcRecord(policy.Value, subdomain, percent,
            StrictDkim: tags.TryGetValue("adkim", out var adkim) && adkim.Equals("s", StringComparison.OrdinalIgnoreCase),
            StrictSpf: tags.TryGetValue("aspf", out var aspf) && aspf.Equals("s", StringComparison.OrdinalIgnoreCase));
    }

    private static DmarcPolicy? PolicyOf(string value) => value.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };

    public static string Name(DmarcPolicy policy) => policy.ToString().ToLowerInvariant();
}
