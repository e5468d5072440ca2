using Webmail.Core.Model;

namespace Webmail.Reading;

/// <summary>One message of the open conversation: a collapsed line, or expanded with its content.</summary>
public sealed class ConversationMessage(MessageSummary summary)
{
    public MessageSummary Summary { get; set; } = summary;

    /// <summary>Loaded on first expansion.</summary>
    public MessageContent? Content { get; set; }

    public bool Expanded { get; set; }

    /// <summary>The message was unread when the conversation was opened (opening marks it read).</summary>
    public bool WasUnread { get; } = !summary.IsSeen;
}
