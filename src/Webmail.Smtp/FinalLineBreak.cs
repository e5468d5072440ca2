using System.Buffers;

namespace Webmail.Smtp;

/// <summary>
/// Gives a received message back the CRLF that ended its last line. The SmtpServer library hands
/// <c>SaveAsync</c> the dot-unstuffed data without it, but RFC 5321 §4.1.1.4 is plain that the
/// CRLF before the terminating <c>.CRLF</c> is part of the message: a message sent as
/// <c>...end CRLF</c> must be stored, counted and downloaded as exactly that.
/// </summary>
internal static class FinalLineBreak
{
    private static readonly ReadOnlyMemory<byte> Crlf = "\r\n"u8.ToArray();

    /// <summary>
    /// <paramref name="data"/> followed by CRLF, without copying the data; empty data (a client that
    /// sent the terminating dot at once) stays empty, since no line was sent.
    /// </summary>
    public static ReadOnlySequence<byte> Restore(ReadOnlySequence<byte> data)
    {
        if (data.IsEmpty)
            return data;
        Segment? first = null, last = null;
        foreach (var memory in data)
        {
            if (memory.IsEmpty)
                continue;
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }
        last = last!.Append(Crlf);
        return new ReadOnlySequence<byte>(first!, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
