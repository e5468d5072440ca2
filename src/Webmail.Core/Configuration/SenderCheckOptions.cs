namespace Webmail.Core.Configuration;

/// <summary>
/// <c>Webmail:Spf</c>: SPF (RFC 7208) for mail arriving from outside, checked at <c>MAIL FROM</c>.
/// </summary>
public sealed class SpfOptions
{
    /// <summary>Check SPF. Default true. Off, the <c>Authentication-Results</c> field has no spf entry and DMARC judges by DKIM alone.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary><c>Webmail:Dmarc</c>: the From domain's policy (RFC 7489), with ARC (RFC 8617) for forwarded mail.</summary>
public sealed class DmarcOptions
{
    /// <summary>Check DMARC and ARC. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// What <c>p=reject</c> does to failing mail: <c>Reject</c> (default: <c>550 5.7.1</c> at the end of DATA) or
    /// <c>Quarantine</c> (delivered to Junk, as <c>p=quarantine</c>).
    /// </summary>
    public DmarcRejectAction RejectAction { get; set; } = DmarcRejectAction.Reject;

    /// <summary>The Public Suffix List for organisational domains. Default Debian's <c>/usr/share/publicsuffix/public_suffix_list.dat</c>.</summary>
    public string PublicSuffixList { get; set; } = "/usr/share/publicsuffix/public_suffix_list.dat";

    /// <summary>
    /// ARC sealers (their <c>d=</c> domains) whose word is taken for forwarded mail: when a message fails DMARC but
    /// carries a valid ARC chain whose newest seal is by one of these, and that sealer recorded <c>dmarc=pass</c>, the
    /// policy is not applied. Default empty: ARC is verified and reported, but overrides nothing.
    /// </summary>
    public List<string> TrustedArcSealers { get; set; } = [];
}

public enum DmarcRejectAction
{
    Reject,
    Quarantine,
}
