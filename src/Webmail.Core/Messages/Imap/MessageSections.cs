using MimeKit.Encodings;

namespace Webmail.Core.Messages.Imap;

/// <summary>The bytes of BODY[section] and BINARY[part] (RFC 9051 §6.4.5, RFC 3516), cut from the raw message.</summary>
public static class MessageSections
{
    /// <summary>
    /// The exact bytes of a section, cut from the raw message (RFC 9051 §6.4.5): BODY[] is <paramref name="raw"/> itself;
    /// HEADER includes the empty line; HEADER.FIELDS(.NOT) the matching fields in their original order and the empty
    /// line; TEXT the body after the header; MIME the part's MIME header. A part path that names no part, or HEADER /
    /// TEXT below a part that is not message/rfc822, yields an empty array. Never throws on malformed MIME.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static byte[] Extract(ReadOnlyMemory<byte> raw, SectionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Part.Count == 0 && spec.Text == SectionText.Content)
            return raw.ToArray();
        if (spec.Part.Count == 0 && spec.Text == SectionText.Mime)
            return []; // RFC 9051 §6.4.5: MIME needs a part number.

        var root = MessageLayout.Parse(raw).Root;
        MimeNode? part;
        if (spec.Part.Count == 0)
        {
            part = root;
        }
        else
        {
            part = root.Find(spec.Part);
            if (part is null)
                return [];
            if (spec.Text == SectionText.Content)
                return part.Body.ToArray();
            if (spec.Text == SectionText.Mime)
            {
                // RFC 9051 §6.4.5: the part's MIME header. For part 1 of a non-multipart message that is the message header.
                return part.Header.ToArray();
            }
            // RFC 9051 §6.4.5: HEADER, HEADER.FIELDS and TEXT after a part number address the message inside a message/rfc822 part.
            if (!part.Data.IsMessage || part.Children.Count == 0)
                return [];
            part = part.Children[0];
        }

        return spec.Text switch
        {
            SectionText.Header => part.Header.ToArray(),
            SectionText.Text => part.Body.ToArray(),
            SectionText.HeaderFields => Fields(part, spec.Fields, matching: true),
            SectionText.HeaderFieldsNot => Fields(part, spec.Fields, matching: false),
            _ => [],
        };
    }

    /// <summary>
    /// BINARY[part] (RFC 3516, RFC 9051 §6.4.5): the part's content with its Content-Transfer-Encoding removed; null when
    /// the encoding is unknown (the server answers NO [UNKNOWN-CTE]). Broken base64 or quoted-printable is decoded
    /// leniently (what cannot be decoded is skipped). An empty path gives the whole message unchanged; a path that
    /// names no part, an empty array.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="part"/> is null.</exception>
    public static byte[]? Decode(ReadOnlyMemory<byte> raw, IReadOnlyList<int> part)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (part.Count == 0)
            return raw.ToArray();
        var node = MessageLayout.Parse(raw).Root.Find(part);
        if (node is null)
            return [];
        var body = node.Body.Span;
        if (node.Data.IsMultipart || node.Data.IsMessage)
            return body.ToArray();
        // RFC 2045 §6.1: no Content-Transfer-Encoding is 7bit.
        var encoding = node.Data.TransferEncoding ?? "7bit";
        IMimeDecoder decoder;
        if (encoding.Equals("base64", StringComparison.OrdinalIgnoreCase))
            decoder = new Base64Decoder();
        else if (encoding.Equals("quoted-printable", StringComparison.OrdinalIgnoreCase))
            decoder = new QuotedPrintableDecoder();
        else if (encoding.Equals("7bit", StringComparison.OrdinalIgnoreCase) || encoding.Equals("8bit", StringComparison.OrdinalIgnoreCase) || encoding.Equals("binary", StringComparison.OrdinalIgnoreCase))
            return body.ToArray();
        else
            return null;

        var input = body.ToArray();
        var output = new byte[decoder.EstimateOutputLength(input.Length)];
        var length = decoder.Decode(input, 0, input.Length, output);
        return output.AsSpan(0, length).ToArray();
    }

    /// <summary>HEADER.FIELDS / HEADER.FIELDS.NOT: the chosen fields with their line breaks, in order, then the empty line.</summary>
    private static byte[] Fields(MimeNode part, IReadOnlyList<string> names, bool matching)
    {
        var raw = part.Raw.Span;
        using var output = new MemoryStream();
        foreach (var field in part.Fields)
        {
            var listed = names.Any(n => n.Equals(field.Name, StringComparison.OrdinalIgnoreCase));
            if (listed != matching)
                continue;
            var bytes = raw[field.Start..field.End];
            output.Write(bytes);
            // A last field without its line break (a message that is only a header) still ends its line, as Dovecot's does.
            if (bytes.Length == 0 || bytes[^1] != '\n')
                output.Write("\r\n"u8);
        }
        // The empty line ends the header (RFC 9051 §6.4.5), when the message has one.
        var lastEnd = part.Fields.Count > 0 ? part.Fields[^1].End : part.Begin;
        if (lastEnd < part.HeadersEnd)
            output.Write(raw[lastEnd..part.HeadersEnd]);
        return output.ToArray();
    }
}
