using System.Text.RegularExpressions;

namespace Webmail.Core.Messages;

/// <summary>
/// The threading rule: a message joins the conversation of a message it references (RFC 5322
/// §3.6.4: References, then In-Reply-To, newest reference first), otherwise that of the latest
/// message with the same subject once reply and forward prefixes are removed; otherwise it starts
/// its own, keyed by its Message-ID.
/// </summary>
public static partial class ConversationKey
{
    /// <summary>At most this many references are looked up, the newest first.</summary>
    public const int MaxReferences = 20;

    [GeneratedRegex(@"^\s*((re|fw|fwd|aw|wg|sv|vs|antw)\s*(\[\d+\])?\s*:\s*|\[[^\]]{1,40}\]\s*)+", RegexOptions.IgnoreCase)]
    private static partial Regex ReplyPrefix();

    /// <summary>
    /// The subject used to group a conversation when no reference matches: reply and forward prefixes
    /// (<c>Re:</c>, <c>Fwd:</c>, <c>AW:</c>, <c>Re[2]:</c>, list tags like <c>[team]</c>) removed, lower case.
    /// </summary>
    public static string ThreadSubject(string subject) => ReplyPrefix().Replace(subject, "").Trim().ToLowerInvariant();

    /// <summary>The Message-IDs (without angle brackets) whose conversation the message joins, in the order to try them.</summary>
    public static IEnumerable<string> References(ParsedMessage message)
    {
        var references = new List<string>(message.References);
        if (message.InReplyTo.Length > 0)
            references.Add(message.InReplyTo);
        return references.AsEnumerable().Reverse().Take(MaxReferences).Select(reference => reference.Trim('<', '>'));
    }

    /// <summary>The key of a conversation the message starts: its Message-ID, or a fresh random key when it has none.</summary>
    public static string NewThread(ParsedMessage message) =>
        message.MessageId.Length > 0 ? message.MessageId : "t" + Guid.NewGuid().ToString("N");
}
