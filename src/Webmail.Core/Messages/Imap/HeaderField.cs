using System.Text;

namespace Webmail.Core.Messages.Imap;

/// <summary>
/// One header field of a raw header block: its name, its value as Dovecot 2.3 reads it for ENVELOPE and BODYSTRUCTURE
/// (whitespace after the colon skipped, continuation lines joined with LF, CRs dropped, octets as text: UTF-8 when they
/// are valid UTF-8, else Latin-1; NUL as U+FFFD), and where its lines lie in the raw message.
/// </summary>
/// <param name="Start">Offset of the field's first octet in the raw message.</param>
/// <param name="End">Offset just past the field's last line ending (or its last octet when the block ends without one).</param>
internal sealed record HeaderField(string Name, string Value, int Start, int End)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// The fields of <paramref name="raw"/>[<paramref name="start"/>..<paramref name="end"/>], a header block as the MIME
    /// offsets delimit it (its empty line included, when it has one). Splitting a block into lines is not MIME parsing:
    /// the block's bounds come from MimeKit.
    /// </summary>
    public static List<HeaderField> Split(ReadOnlySpan<byte> raw, int start, int end)
    {
        var fields = new List<HeaderField>();
        var position = start;
        int fieldStart = -1, colon = -1;
        var value = new List<(int From, int To)>();
        void Flush(ReadOnlySpan<byte> raw, int fieldEnd)
        {
            if (fieldStart < 0)
                return;
            fields.Add(Make(raw, fieldStart, fieldEnd, colon, value));
            fieldStart = -1;
            value.Clear();
        }

        while (position < end)
        {
            var lineStart = position;
            var newline = raw[lineStart..end].IndexOf((byte)'\n');
            var next = newline < 0 ? end : lineStart + newline + 1;
            var lineEnd = newline < 0 ? end : lineStart + newline;
            if (lineEnd > lineStart && raw[lineEnd - 1] == '\r' && newline >= 0)
                lineEnd--;
            if (lineEnd == lineStart)
            {
                // The empty line ends the header.
                break;
            }
            if (raw[lineStart] is (byte)' ' or (byte)'\t' && fieldStart >= 0)
            {
                // RFC 5322 §2.2.3: a continuation line belongs to the field above.
                value.Add((lineStart, lineEnd));
            }
            else
            {
                Flush(raw, lineStart);
                fieldStart = lineStart;
                var c = raw[lineStart..lineEnd].IndexOf((byte)':');
                colon = c < 0 ? -1 : lineStart + c;
                value.Add((lineStart, lineEnd));
            }
            position = next;
        }
        Flush(raw, position);
        return fields;
    }

    private static HeaderField Make(ReadOnlySpan<byte> raw, int fieldStart, int fieldEnd, int colon, List<(int From, int To)> lines)
    {
        string name;
        var first = lines[0];
        var valueStart = first.From;
        if (colon < 0)
        {
            // No colon: Dovecot takes the whole line as the value of a nameless field.
            name = "";
        }
        else
        {
            var nameEnd = colon;
            while (nameEnd > first.From && raw[nameEnd - 1] is (byte)' ' or (byte)'\t')
                nameEnd--;
            name = Decode(raw[first.From..nameEnd]);
            valueStart = colon + 1;
            // Dovecot skips all whitespace after the colon, or one character when the value is only whitespace.
            var skip = valueStart;
            while (skip < first.To && raw[skip] is (byte)' ' or (byte)'\t')
                skip++;
            if (skip == first.To && first.To > valueStart)
                skip = valueStart + 1;
            valueStart = skip;
        }
        var bytes = new List<byte>(fieldEnd - fieldStart);
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0)
                bytes.Add((byte)'\n');
            var from = i == 0 ? valueStart : lines[i].From;
            for (var j = from; j < lines[i].To; j++)
                bytes.Add(raw[j]);
        }
        return new HeaderField(name, Decode(bytes.ToArray()), fieldStart, fieldEnd);
    }

    /// <summary>Header octets as text: UTF-8 when valid, else Latin-1 (every octet kept); NUL as U+FFFD.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.Latin1.GetString(bytes);
        }
        return text.Contains('\0') ? text.Replace('\0', '\uFFFD') : text;
    }
}
