namespace Webmail.Core.Messages;

/// <summary>The fields of a message the store keeps in columns and in the full-text index.</summary>
public sealed record ParsedMessage(
    string FromAddress,
    string FromName,
    string To,
    string Cc,
    string Subject,
    DateTimeOffset? Date,
    string MessageId,
    string InReplyTo,
    IReadOnlyList<string> References,
    string Preview,
    string BodyText,
    bool HasAttachments)
{
    /// <summary>Every header field of the message and of its MIME parts, decoded, one per line (what IMAP SEARCH TEXT looks in besides the body); see <see cref="MessageParser.HeaderText"/>.</summary>
    public string HeaderText { get; init; } = "";

    /// <summary>The IMAP ENVELOPE list (RFC 9051 §7.5.2), computed once at delivery from the raw header (also when MimeKit cannot read the message).</summary>
    public string ImapEnvelope { get; init; } = Imap.ImapEnvelope.Empty;

    /// <summary>The IMAP BODYSTRUCTURE (with extension data, RFC 9051 §7.5.2), computed once at delivery.</summary>
    public string ImapBodyStructure { get; init; } = Imap.ImapBodyStructure.Empty;

    /// <summary>The IMAP BODY (BODYSTRUCTURE without extension data, RFC 9051 §7.5.2), computed once at delivery.</summary>
    public string ImapBody { get; init; } = Imap.ImapBodyStructure.EmptyBody;
}
