namespace Webmail.Mail.Dkim;

/// <summary>The DNS TXT record that publishes a domain's DKIM public key (RFC 6376 §3.6.1).</summary>
/// <param name="Domain">The signing domain.</param>
/// <param name="Selector">The selector (<c>s=</c>).</param>
/// <param name="Value">The TXT value: <c>v=DKIM1; k=rsa; p=...</c>.</param>
public sealed record DkimDnsRecord(string Domain, string Selector, string Value)
{
    /// <summary>The record's owner name: <c>selector._domainkey.domain</c>.</summary>
    public string Name => $"{Selector}._domainkey.{Domain}";

    /// <summary>A zone-file line; the value is split into 255-octet strings as TXT requires (RFC 1035 §3.3.14).</summary>
    public string ToZoneLine() =>
        $"{Name}. IN TXT " + string.Join(" ", Value.Chunk(255).Select(c => "\"" + new string(c) + "\""));
}
