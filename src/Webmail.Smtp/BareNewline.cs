using System.Buffers;

namespace Webmail.Smtp;

/// <summary>
/// Finds a CR not followed by LF or an LF not preceded by CR. Such line ends are how SMTP
/// smuggling hides a second message inside the first (RFC 5321 §2.3.8 allows only CRLF), so
/// messages containing them are refused, as Postfix's <c>smtpd_forbid_bare_newline</c> does.
/// </summary>
internal static class BareNewline
{
    public static bool Contains(ReadOnlySequence<byte> message)
    {
        var previous = (byte)0;
        foreach (var segment in message)
        {
            var span = segment.Span;
            var start = 0;
            while (true)
            {
                var i = span[start..].IndexOfAny((byte)'\r', (byte)'\n');
                if (i < 0)
                    break;
                i += start;
                var before = i > 0 ? span[i - 1] : previous;
                if (span[i] == '\n' && before != '\r')
                    return true;
                if (span[i] == '\r')
                {
                    // The LF may be the first byte of the next segment; the check below covers a CR at the very end.
                    if (i + 1 < span.Length && span[i + 1] != '\n')
                        return true;
                }
                start = i + 1;
                if (start >= span.Length)
                    break;
            }
            if (span.Length > 0)
            {
                // A CR ending a segment must be followed by an LF starting the next one.
                if (previous == '\r' && span[0] != '\n')
                    return true;
                previous = span[^1];
            }
        }
        // A message ends with CRLF (FinalLineBreak puts it back before this check), so a CR at the
        // very end has no LF after it: bare.
        return previous == '\r';
    }
}
