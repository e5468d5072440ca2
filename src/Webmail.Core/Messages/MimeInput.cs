using System.Buffers;
using MimeKit;

namespace Webmail.Core.Messages;

/// <summary>
/// Hands MimeKit a bounded view of a message so that parsing stays linear in time and small in
/// memory whatever arrives. Measured with MimeKit 4.18 on 2 cores: a long header field costs time and
/// allocation quadratic in its length (a 10 MB folded header: minutes and 12 GB allocated), and every
/// MIME part costs about 3 KB and 50 µs (500,000 parts in a 5 MB message: 1.5 GB, 25 s).
/// The stored raw bytes are never changed: only the copy parsed for preview, search and display is.
/// </summary>
public static class MimeInput
{
    /// <summary>Lines starting with <c>--</c> (possible MIME boundaries) parsed; the view ends before the next one.</summary>
    public const int MaxBoundaryLines = 1000;

    /// <summary>Longest header field (a line and its folded continuation lines) parsed, in bytes; the rest of the field is left out.</summary>
    public const int MaxHeaderField = 64 * 1024;

    /// <summary>Deepest MIME nesting parsed where no configuration is at hand (<c>Webmail:Limits:MaxMimeDepth</c> has the same default).</summary>
    public const int DefaultMaxMimeDepth = 32;

    /// <summary>
    /// How many lines of <paramref name="message"/> start with <c>--</c> (every MIME boundary line does),
    /// counting no further than <paramref name="stopAfter"/> + 1. One pass, no allocation.
    /// </summary>
    public static int CountBoundaryLines(ReadOnlySequence<byte> message, int stopAfter)
    {
        var reader = new SequenceReader<byte>(message);
        var count = 0;
        while (count <= stopAfter)
        {
            if (reader.IsNext("--"u8))
                count++;
            if (!reader.TryAdvanceTo((byte)'\n'))
                break;
        }
        return count;
    }

    /// <summary>Parses <paramref name="raw"/> through <see cref="Bound"/>. Throws what MimeKit throws for unreadable input.</summary>
    public static MimeMessage Load(ReadOnlyMemory<byte> raw, int maxMimeDepth)
    {
        using var stream = new ReadOnlyMemoryStream(Bound(raw, out _));
        return MimeMessage.Load(new ParserOptions { MaxMimeDepth = maxMimeDepth }, stream);
    }

    /// <summary>
    /// The same bytes when they are within bounds (no copy); else a copy in which every header field
    /// (in the message header and after each <c>--</c> line, up to the next empty line) is cut at
    /// <see cref="MaxHeaderField"/> bytes, and which ends before boundary line <see cref="MaxBoundaryLines"/> + 1.
    /// One linear pass.
    /// </summary>
    public static ReadOnlyMemory<byte> Bound(ReadOnlyMemory<byte> raw, out bool reduced)
    {
        var span = raw.Span;
        MemoryStream? view = null;
        var copied = 0;
        void Skip(int from, int to)
        {
            view ??= new MemoryStream(raw.Length);
            view.Write(raw.Span[copied..from]);
            copied = to;
        }

        var boundaries = 0;
        var inHeader = true;
        var field = 0;
        var position = 0;
        while (position < span.Length)
        {
            var start = position;
            var newline = span[start..].IndexOf((byte)'\n');
            position = newline < 0 ? span.Length : start + newline + 1;
            var end = position;
            if (end > start && span[end - 1] == '\n')
                end--;
            if (end > start && span[end - 1] == '\r')
                end--;
            var first = span[start];

            if (first == '-' && start + 1 < span.Length && span[start + 1] == '-')
            {
                if (++boundaries > MaxBoundaryLines)
                {
                    Skip(start, span.Length);
                    break;
                }
                // A boundary is followed by the part's header.
                inHeader = true;
                field = 0;
            }
            else if (inHeader && end == start)
            {
                inHeader = false;
            }
            else if (inHeader && (first == ' ' || first == '\t') && field > 0)
            {
                // RFC 5322 §2.2.3 folding: this line belongs to the field above.
                if (field + (end - start) > MaxHeaderField)
                    Skip(start, position);
                field += end - start;
            }
            else if (inHeader)
            {
                field = end - start;
                if (field > MaxHeaderField)
                    Skip(start + MaxHeaderField, end);
            }
        }

        reduced = view is not null;
        if (view is null)
            return raw;
        view.Write(span[copied..]);
        return view.GetBuffer().AsMemory(0, (int)view.Length);
    }

    /// <summary>A read-only stream over memory without copying it.</summary>
    internal sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => _position = (int)Math.Clamp(value, 0, memory.Length); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => memory.Length + offset };
            return _position;
        }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
