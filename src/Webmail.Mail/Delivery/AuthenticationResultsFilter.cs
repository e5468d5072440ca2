using System.Buffers;
using System.Text;

namespace Webmail.Mail.Delivery;

/// <summary>
/// Finds the <c>Authentication-Results</c> fields in a message's header section that name our own
/// authserv-id. RFC 8601 §5: a border MTA MUST delete (or obscure) such fields arriving from outside, or
/// a sender could forge our verdict (<c>dkim=pass</c>) and have it trusted. Fields naming other
/// authserv-ids are left alone; so is everything after the header section. With a content scanner configured, the
/// <c>X-Spam-*</c> fields are ours too (the pipeline writes the verdict there), so arriving ones go as well.
/// </summary>
public static class AuthenticationResultsFilter
{
    private static readonly byte[] FieldName = "Authentication-Results"u8.ToArray();
    private static readonly byte[] SpamPrefix = "X-Spam-"u8.ToArray();

    /// <summary>The byte ranges (each a whole field with its CRLF) to leave out, in order; empty when there are none.</summary>
    /// <param name="spamFields">Also every <c>X-Spam-*</c> field (a scanner is configured: nobody may forge its verdict).</param>
    public static IReadOnlyList<(int Start, int Length)> FindOurs(ReadOnlySequence<byte> message, string authservId, bool spamFields = false)
    {
        var header = HeaderSection(message);
        List<(int, int)>? found = null;
        var span = header.Span;
        var start = 0;
        while (start < span.Length)
        {
            var end = FieldEnd(span, start);
            var field = span[start..end];
            if (IsOurs(field, authservId) || (spamFields && field.Length > SpamPrefix.Length && Ascii.EqualsIgnoreCase(field[..SpamPrefix.Length], SpamPrefix)))
                (found ??= []).Add((start, end - start));
            start = end;
        }
        return found ?? (IReadOnlyList<(int, int)>)[];
    }

    /// <summary>The header section including its last CRLF (without the empty line), or the whole message when it has no body.</summary>
    private static ReadOnlyMemory<byte> HeaderSection(ReadOnlySequence<byte> message)
    {
        var reader = new SequenceReader<byte>(message);
        if (reader.IsNext("\r\n"u8))
            return ReadOnlyMemory<byte>.Empty;
        var section = reader.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8) ? message.Slice(0, head.Length + 2) : message;
        return section.IsSingleSegment ? section.First : section.ToArray();
    }

    /// <summary>Where the field starting at <paramref name="start"/> ends: after the CRLF of its last line (RFC 5322 §2.2.3: continuation lines start with WSP).</summary>
    private static int FieldEnd(ReadOnlySpan<byte> header, int start)
    {
        var i = start;
        while (true)
        {
            var lf = header[i..].IndexOf((byte)'\n');
            if (lf < 0)
                return header.Length;
            i += lf + 1;
            if (i >= header.Length || header[i] is not ((byte)' ' or (byte)'\t'))
                return i;
        }
    }

    private static bool IsOurs(ReadOnlySpan<byte> field, string authservId)
    {
        if (field.Length <= FieldName.Length || !Ascii.EqualsIgnoreCase(field[..FieldName.Length], FieldName))
            return false;
        var rest = field[FieldName.Length..].TrimStart(" \t"u8);
        if (rest.Length == 0 || rest[0] != ':')
            return false;
        return AuthservIdOf(Encoding.UTF8.GetString(rest[1..])) is { } id && string.Equals(id.TrimEnd('.'), authservId.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// RFC 8601 §2.2: <c>[CFWS] authserv-id [CFWS authres-version] ...</c>, where authserv-id is a
    /// <c>value</c> (RFC 2045: a token or a quoted-string). Null when there is none.
    /// </summary>
    internal static string? AuthservIdOf(string value)
    {
        var i = SkipCfws(value, 0);
        if (i >= value.Length)
            return null;
        var id = new StringBuilder();
        if (value[i] == '"')
        {
            for (i++; i < value.Length && value[i] != '"'; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length)
                    i++;
                if (value[i] is not ('\r' or '\n'))
                    id.Append(value[i]);
            }
        }
        else
        {
            for (; i < value.Length && value[i] is > ' ' and not ';' and not '(' and not '"' and not '\x7f'; i++)
                id.Append(value[i]);
        }
        return id.Length == 0 ? null : id.ToString();
    }

    /// <summary>Skips white space, folding and (nested) comments (RFC 5322 §3.2.2).</summary>
    private static int SkipCfws(string value, int i)
    {
        var depth = 0;
        for (; i < value.Length; i++)
        {
            var c = value[i];
            if (depth > 0)
            {
                if (c == '\\')
                    i++;
                else if (c == '(')
                    depth++;
                else if (c == ')')
                    depth--;
            }
            else if (c == '(')
                depth++;
            else if (c is not (' ' or '\t' or '\r' or '\n'))
                return i;
        }
        return i;
    }
}
