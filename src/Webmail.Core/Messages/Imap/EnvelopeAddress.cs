namespace Webmail.Core.Messages.Imap;

/// <summary>
/// One address of an ENVELOPE address list (RFC 9051 §7.5.2): (name adl mailbox host). A group start has only
/// <see cref="Mailbox"/> (the group name); a group end has all four null.
/// </summary>
internal sealed record EnvelopeAddress(string? Name, string? Route, string? Mailbox, string? Domain);
