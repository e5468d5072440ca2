namespace Webmail.Sieve;

/// <summary>
/// The SMTP envelope of one delivery: the reverse path (empty for the null sender "&lt;&gt;"), the
/// recipient this script runs for, and the authenticated user who submitted it, if any
/// (RFC 5228 §5.4 envelope parts "from", "to", "auth").
/// </summary>
public sealed record SieveEnvelope(string From, string To, string? Auth = null);
