namespace Webmail.Mail.Outbound;

/// <summary>A DNS lookup that failed for a reason that may go away (timeout, server failure): retry later.</summary>
public sealed class DnsLookupException(string message, Exception? inner = null) : Exception(message, inner);
