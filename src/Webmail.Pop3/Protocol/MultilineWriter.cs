using System.Buffers;
using Webmail.Pop3.Net;

namespace Webmail.Pop3.Protocol;

/// <summary>
/// Streams a stored message into a multi-line response (RFC 1939 §3): the bytes exactly as
/// stored, a '.' added before every line that starts with '.', then the terminating
/// <c>CRLF.CRLF</c>. Reads in fixed chunks and the connection sends as its buffer fills, so memory
/// does not grow with the message.
/// </summary>
public static class MultilineWriter
{
    private const int ChunkSize = 64 * 1024;
    private static ReadOnlySpan<byte> LineThenDot => "\n."u8;

    /// <summary>Copies the whole message (RETR).</summary>
    public static void WriteMessage(Pop3Connection connection, Stream source) => Write(connection, source, bodyLines: -1);

    /// <summary>Copies the header, the blank line and the first <paramref name="bodyLines"/> body lines (TOP, RFC 1939 §7).</summary>
    public static void WriteTop(Pop3Connection connection, Stream source, long bodyLines) => Write(connection, source, bodyLines);

    private static void Write(Pop3Connection connection, Stream source, long bodyLines)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var stuffer = new DotStuffer();
            var top = bodyLines >= 0 ? new TopCutter(bodyLines) : (TopCutter?)null;
            int read;
            while ((read = source.Read(buffer, 0, ChunkSize)) > 0)
            {
                var count = read;
                var done = false;
                if (top is { } cutter)
                {
                    count = cutter.Accept(buffer.AsSpan(0, read), out done);
                    top = cutter;
                }
                stuffer.Write(connection, buffer.AsSpan(0, count));
                if (done)
                    break;
            }
            // The terminator must start a line of its own even when the message lacks a final line
            // break (RFC 1939 §3). The maildrop counts this CRLF in LIST and STAT: the store marks such
            // a message unterminated (MessageInserter.IsUnterminated, the same test: last byte not LF).
            if (!stuffer.AtLineStart)
                connection.Write("\r\n"u8);
            connection.Write(".\r\n"u8);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Byte-stuffing state carried across chunks: whether the next byte starts a line.</summary>
    private struct DotStuffer()
    {
        public bool AtLineStart { get; private set; } = true;

        public void Write(Pop3Connection connection, ReadOnlySpan<byte> data)
        {
            if (data.IsEmpty)
                return;
            // A bare LF counts as a line end too: clients split on it, so a dot after it must be stuffed.
            if (AtLineStart && data[0] == '.')
                connection.Write("."u8);
            var rest = data;
            while (true)
            {
                var at = rest.IndexOf(LineThenDot);
                if (at < 0)
                {
                    connection.Write(rest);
                    break;
                }
                connection.Write(rest[..(at + 1)]);
                connection.Write("."u8);
                rest = rest[(at + 1)..];
            }
            AtLineStart = data[^1] == '\n';
        }
    }

    /// <summary>Finds where TOP's output ends: after the header's blank line and then n more lines.</summary>
    private struct TopCutter(long bodyLines)
    {
        private bool _inHeader = true;
        private bool _lineEmpty = true;
        private long _remaining = bodyLines;

        /// <returns>How many bytes of <paramref name="chunk"/> belong to the output.</returns>
        public int Accept(ReadOnlySpan<byte> chunk, out bool done)
        {
            done = false;
            for (var i = 0; i < chunk.Length; i++)
            {
                var b = chunk[i];
                if (_inHeader)
                {
                    if (b == '\n')
                    {
                        if (_lineEmpty)
                        {
                            _inHeader = false;
                            if (_remaining == 0)
                            {
                                done = true;
                                return i + 1;
                            }
                        }
                        _lineEmpty = true;
                    }
                    else if (b != '\r')
                    {
                        _lineEmpty = false;
                    }
                }
                else if (b == '\n' && --_remaining == 0)
                {
                    done = true;
                    return i + 1;
                }
            }
            return chunk.Length;
        }
    }
}
