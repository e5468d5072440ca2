using System.Text;
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
    /// data), else BODY. Sizes and line counts are those of the raw message (a bare LF counting as CRLF, as the message
    /// is sent), the values those of the raw header fields as Dovecot reads them. Never throws on malformed MIME.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public static string Build(MimeMessage message, bool extensible)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Build(MessageLayout.For(message).Root, extensible);
    }

    internal static string Build(MimeNode root, bool extensible)
    {
        var sb = new StringBuilder(512);
        sb.Append('(');
        Append(sb, root, extensible);
        sb.Append(')');
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, MimeNode part, bool extensible)
    {
        if (part.Data.IsMultipart)
            AppendMultipart(sb, part, extensible);
        else
            AppendSinglePart(sb, part, extensible);
    }

    private static void AppendMultipart(StringBuilder sb, MimeNode part, bool extensible)
    {
        var data = part.Data;
        if (part.Children.Count == 0)
        {
            // RFC 2046 §5.1.1 wants at least one body part; without one (no boundary, or none found) Dovecot shows one empty text/plain.
            sb.Append(extensible ? Empty : EmptyBody);
        }
        foreach (var child in part.Children)
        {
            sb.Append('(');
            Append(sb, child, extensible);
            sb.Append(')');
        }
        sb.Append(' ');
        ImapText.AppendString(sb, data.ContentSubtype ?? "");
        if (!extensible)
            return;
        // RFC 9051 §7.5.2 body-ext-mpart: parameters, disposition, language, location.
        sb.Append(' ');
        AppendParameters(sb, data.TypeParameters, defaultCharset: false);
        AppendCommonExtensions(sb, data);
    }

    private static void AppendSinglePart(StringBuilder sb, MimeNode part, bool extensible)
    {
        var data = part.Data;
        bool text;
        var message = data.IsMessage && part.Children.Count > 0;
        if (message)
        {
            sb.Append("\"message\" \"rfc822\"");
            text = false;
        }
        else if (IsTruncated(part))
        {
            // A message/rfc822 or multipart whose parts were not parsed (nesting limit): its content is opaque.
            sb.Append("\"application\" \"octet-stream\"");
            text = false;
        }
        else if (data.ContentType is null)
        {
            // RFC 2045 §5.2: no Content-Type is text/plain; charset=us-ascii.
            sb.Append("\"text\" \"plain\"");
            text = true;
        }
        else
        {
            text = data.ContentType.Equals("text", StringComparison.OrdinalIgnoreCase);
            ImapText.AppendString(sb, data.ContentType);
            sb.Append(' ');
            ImapText.AppendString(sb, data.ContentSubtype ?? "");
        }

        // body-fields: parameters, id, description, encoding, octets (RFC 9051 §7.5.2)
        sb.Append(' ');
        AppendParameters(sb, data.TypeParameters, defaultCharset: text);
        sb.Append(' ');
        ImapText.AppendNStringWithoutLineBreaks(sb, data.ContentId);
        sb.Append(' ');
        ImapText.AppendNStringWithoutLineBreaks(sb, data.Description);
        sb.Append(' ');
        ImapText.AppendString(sb, data.TransferEncoding ?? "7bit");
        var (size, lines) = Measure(part.Body.Span);
        sb.Append(' ').Append(size);

        if (text)
        {
            // body-type-text: the body's size in lines.
            sb.Append(' ').Append(lines);
        }
        else if (message)
        {
            // body-type-msg: the envelope and body structure of the message inside, and the part's size in lines.
            var inner = part.Children[0];
            sb.Append(" (");
            ImapEnvelope.Append(sb, inner.Fields);
            sb.Append(") (");
            Append(sb, inner, extensible);
            sb.Append(") ").Append(lines);
        }

        if (!extensible)
            return;
        // body-ext-1part: MD5, disposition, language, location.
        sb.Append(' ');
        ImapText.AppendNStringWithoutLineBreaks(sb, data.Md5);
        AppendCommonExtensions(sb, data);
    }

    private static bool IsTruncated(MimeNode part)
    {
        var data = part.Data;
        if (data.ContentType is null)
            return false;
        if (data.ContentType.Equals("message", StringComparison.OrdinalIgnoreCase) && string.Equals(data.ContentSubtype, "rfc822", StringComparison.OrdinalIgnoreCase))
            return true;
        return data.ContentType.Equals("multipart", StringComparison.OrdinalIgnoreCase);
    }

    private static void AppendCommonExtensions(StringBuilder sb, PartData data)
    {
        sb.Append(' ');
        if (data.Disposition is null)
        {
            sb.Append("NIL");
        }
        else
        {
            sb.Append('(');
            ImapText.AppendString(sb, data.Disposition);
            sb.Append(' ');
            AppendParameters(sb, data.DispositionParameters ?? [], defaultCharset: false);
            sb.Append(')');
        }
        sb.Append(' ');
        if (data.Language is null)
        {
            sb.Append("NIL");
        }
        else
        {
            sb.Append('(');
            for (var i = 0; i < data.Language.Count; i++)
            {
                if (i > 0)
                    sb.Append(' ');
                ImapText.AppendString(sb, data.Language[i]);
            }
            sb.Append(')');
        }
        sb.Append(' ');
        ImapText.AppendNStringWithoutLineBreaks(sb, data.Location);
    }

    /// <summary>The parameter list, NIL when empty; a text part without a charset gets RFC 2045 §5.2's us-ascii.</summary>
    private static void AppendParameters(StringBuilder sb, List<KeyValuePair<string, string>> parameters, bool defaultCharset)
    {
        if (!defaultCharset && parameters.Count == 0)
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        var seenCharset = false;
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0)
                sb.Append(' ');
            seenCharset |= parameters[i].Key.Equals("charset", StringComparison.OrdinalIgnoreCase);
            ImapText.AppendString(sb, parameters[i].Key);
            sb.Append(' ');
            ImapText.AppendString(sb, parameters[i].Value);
        }
        if (defaultCharset && !seenCharset)
        {
            if (parameters.Count > 0)
                sb.Append(' ');
            sb.Append("\"charset\" \"us-ascii\"");
        }
        sb.Append(')');
    }

    /// <summary>
    /// A body's size in octets as it is sent (a bare LF counts as CRLF, RFC 9051 §2.3.4: messages are CRLF text) and
    /// its number of lines (line feeds), as Dovecot counts them.
    /// </summary>
    internal static (long Size, int Lines) Measure(ReadOnlySpan<byte> body)
    {
        long size = body.Length;
        var lines = 0;
        var previous = (byte)'\n';
        var position = 0;
        while (position < body.Length)
        {
            var next = body[position..].IndexOf((byte)'\n');
            if (next < 0)
                break;
            position += next;
            lines++;
            var before = position == 0 ? previous : body[position - 1];
            if (before != '\r')
                size++;
            position++;
        }
        return (size, lines);
    }
}
