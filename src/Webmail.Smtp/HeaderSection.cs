using System.Buffers;

namespace Webmail.Smtp;

/// <summary>
/// The message's header section (RFC 5322 §2.1: everything before the first empty line), measured
/// without reading further than the limit.
/// </summary>
internal static class HeaderSection
{
    /// <summary>True when the header section is longer than <paramref name="limit"/> bytes (a message without an empty line is all header).</summary>
    public static bool IsLongerThan(ReadOnlySequence<byte> message, long limit)
    {
        if (message.Length <= limit)
            return false;
        // The section ends with the CRLF before the empty line, so its end must lie within limit + 4 bytes.
        var reader = new SequenceReader<byte>(message.Slice(0, limit + 4));
        if (reader.IsNext("\r\n"u8))
            return false;
        return !reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8);
    }
}
