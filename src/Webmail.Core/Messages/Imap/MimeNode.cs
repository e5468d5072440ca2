namespace Webmail.Core.Messages.Imap;

/// <summary>
/// One MIME part of a raw message as IMAP numbers and measures it (RFC 9051 §6.4.5): where its header and body lie
/// in the raw bytes, its <see cref="PartData"/>, and its children (the body parts of a multipart, or the one message
/// inside a message/rfc822 part).
/// </summary>
internal sealed class MimeNode
{
    public MimeNode(ReadOnlyMemory<byte> raw, int begin, int headersEnd, int end, bool inMultipart, bool inDigest)
    {
        Raw = raw;
        Begin = Math.Clamp(begin, 0, raw.Length);
        End = Math.Clamp(end, Begin, raw.Length);
        HeadersEnd = Math.Clamp(headersEnd, Begin, End);
        Fields = HeaderField.Split(raw.Span, Begin, HeadersEnd);
        Data = PartData.From(Fields, inMultipart, inDigest);
    }

    /// <summary>The raw message the offsets point into.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>Offset of the part's header (its first octet).</summary>
    public int Begin { get; }

    /// <summary>Offset of the part's body: just past the empty line that ends the header.</summary>
    public int HeadersEnd { get; }

    /// <summary>Offset just past the body (before the line break that belongs to the next boundary, RFC 2046 §5.1.1).</summary>
    public int End { get; }

    public PartData Data { get; }

    /// <summary>The header fields, split from the raw header block.</summary>
    public List<HeaderField> Fields { get; }

    /// <summary>The body parts of a multipart, or the one message of a message/rfc822 part.</summary>
    public List<MimeNode> Children { get; } = [];

    public ReadOnlyMemory<byte> Header => Raw[Begin..HeadersEnd];

    public ReadOnlyMemory<byte> Body => Raw[HeadersEnd..End];

    /// <summary>
    /// The part a section path names (RFC 9051 §6.4.5), as Dovecot finds it: a path step into a multipart picks
    /// its child; a non-multipart part has only part 1 (itself), and only a message/rfc822 part has parts below it,
    /// which are those of the message it holds. Null when there is no such part.
    /// </summary>
    public MimeNode? Find(IReadOnlyList<int> path)
    {
        MimeNode? part = this;
        for (var i = 0; i < path.Count && part is not null; i++)
        {
            var number = path[i];
            var more = i + 1 < path.Count;
            if (part.Data.IsMultipart)
                part = number >= 1 && number <= part.Children.Count ? part.Children[number - 1] : null;
            else if (number != 1 || (more && !part.Data.IsMessage))
                part = null;
            if (part is not null && part.Data.IsMessage && more)
                part = part.Children.Count > 0 ? part.Children[0] : null;
        }
        return part;
    }
}
