namespace Webmail.Mail.Outbound;

/// <summary>The answer to an MX question.</summary>
/// <param name="DomainExists">False for NXDOMAIN.</param>
/// <param name="Records">The MX records; a single record whose host is empty is a null MX (RFC 7505).</param>
public sealed record MxAnswer(bool DomainExists, IReadOnlyList<MxHost> Records)
{
    /// <summary>RFC 7505 §3: one MX record with the root as exchange means "this domain accepts no mail".</summary>
    public bool IsNullMx => Records.Count == 1 && Records[0].Host.Length == 0;
}

/// <summary>One MX record: preference and exchange host (no trailing dot; empty for the root).</summary>
public sealed record MxHost(int Preference, string Host);
