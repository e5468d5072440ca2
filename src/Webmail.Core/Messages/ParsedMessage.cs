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
    bool HasAttachments);
