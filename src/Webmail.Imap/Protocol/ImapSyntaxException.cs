namespace Webmail.Imap.Protocol;

/// <summary>A command that does not follow the IMAP grammar (RFC 9051 §9); the session answers it with BAD.</summary>
public sealed class ImapSyntaxException(string message) : Exception(message);
