namespace Webmail.Smtp;

/// <summary>What a listener is for; it decides the relay and authentication policy.</summary>
public enum SmtpRole
{
    /// <summary>MX role: mail for local domains from anyone, AUTH optional (an authenticated session may relay).</summary>
    Inbound,
    /// <summary>Message submission (RFC 6409): AUTH required before MAIL, any recipient.</summary>
    Submission,
}
