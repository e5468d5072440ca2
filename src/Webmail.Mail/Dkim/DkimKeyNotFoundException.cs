namespace Webmail.Mail.Dkim;

/// <summary>The signer's domain publishes no key for the selector: a permanent verification error (RFC 6376 §6.1.2).</summary>
public sealed class DkimKeyNotFoundException(string message) : Exception(message);
