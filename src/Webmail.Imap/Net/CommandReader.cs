using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Webmail.Imap.Net;

/// <summary>What reading one command gave.</summary>
public enum ReadOutcome
{
    /// <summary>A whole command, literals inline.</summary>
    Command,
    /// <summary>A line longer than the limit; it was skipped to its end.</summary>
    LineTooLong,
    /// <summary>A synchronizing literal over the limit: refused before its bytes were sent (the client waits for a continuation it will not get).</summary>
    LiteralRefused,
    /// <summary>A non-synchronizing literal over the limit (RFC 7888 §4): its bytes are on their way; the session must end.</summary>
    NonSyncLiteralTooBig,
    /// <summary>The client closed the connection.</summary>
    Closed,
}

/// <summary>One read: the outcome, the command bytes (without the final CRLF), and the tag when one could be read.</summary>
public readonly record struct CommandRead(ReadOutcome Outcome, byte[] Bytes, string Tag, string Name);

/// <summary>
/// Reads IMAP commands from the connection: a line, and after a line that ends with a literal
/// (<c>{n}</c>, or <c>{n+}</c> with LITERAL+, RFC 7888) the n octets and the rest of the command.
/// A synchronizing literal gets its continuation request (RFC 9051 §7.5) only once its size has
/// been checked against the limit, so an oversized one is refused before its bytes are sent.
/// Lines and literals are bounded, so no client can make a session hold unbounded memory.
/// </summary>
public sealed class CommandReader(PipeReader input)
{
    /// <summary>Longest command line (without literals) accepted; RFC 7162 §4 asks servers to accept at least 8,192 octets.</summary>
    public const int MaxLine = 64 * 1024;

    /// <summary>Longest whole command accepted apart from an APPEND's message literal.</summary>
    public const int MaxCommand = 1024 * 1024;

    private PipeReader _input = input;

    /// <summary>Reads from a new pipe (after STARTTLS or COMPRESS).</summary>
    public void Replace(PipeReader input) => _input = input;

    /// <summary>True when the client has sent bytes that were not read yet (STARTTLS must see none, RFC 9051 §6.2.1).</summary>
    public bool HasBufferedInput => _input.TryRead(out var result) && Examine(result, !result.Buffer.IsEmpty);

    /// <summary>True when a whole line the client sent waits to be read: a pipelined command.</summary>
    public bool HasBufferedLine => _input.TryRead(out var result) && Examine(result, result.Buffer.PositionOf((byte)'\n') is not null);

    /// <summary>Leaves what <see cref="PipeReader.TryRead"/> saw unread, and answers <paramref name="found"/>.</summary>
    private bool Examine(ReadResult result, bool found)
    {
        _input.AdvanceTo(result.Buffer.Start);
        return found;
    }

    /// <summary>Reads one command.</summary>
    /// <param name="literalLimit">Largest literal accepted, given the command's name (an APPEND may carry a message).</param>
    /// <param name="continueLiteral">Sends the continuation request for a synchronizing literal.</param>
    public async ValueTask<CommandRead> ReadAsync(Func<string, long> literalLimit, Func<ValueTask> continueLiteral, CancellationToken cancellationToken)
    {
        var command = new ArrayBufferWriter<byte>(256);
        string tag = "", name = "";
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
                return new CommandRead(ReadOutcome.Closed, [], tag, name);
            if (line.Length > MaxLine || command.WrittenCount + line.Length > MaxCommand)
                return new CommandRead(ReadOutcome.LineTooLong, [], tag.Length > 0 ? tag : TagOf(line), name);
            command.Write(line);
            if (tag.Length == 0)
                (tag, name) = TagAndName(command.WrittenSpan);

            if (!TryLiteralAtEnd(line, out var length, out var nonSync))
                return new CommandRead(ReadOutcome.Command, command.WrittenSpan.ToArray(), tag, name);

            var limit = Math.Min(literalLimit(name), (long)Array.MaxLength - command.WrittenCount);
            if (length > limit)
                return new CommandRead(nonSync ? ReadOutcome.NonSyncLiteralTooBig : ReadOutcome.LiteralRefused, [], tag, name);
            if (!nonSync)
                await continueLiteral().ConfigureAwait(false);
            command.Write("\r\n"u8);
            if (!await ReadExactlyAsync(command, (int)length, cancellationToken).ConfigureAwait(false))
                return new CommandRead(ReadOutcome.Closed, [], tag, name);
        }
    }

    /// <summary>Reads one line without its CRLF (or LF); null when the connection closed first. An over-long line is returned cut at <see cref="MaxLine"/> + 1 after being skipped to its end.</summary>
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        byte[]? skipped = null;
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                var lineWithLf = buffer.Slice(0, buffer.GetPosition(1, end));
                byte[] line;
                if (skipped is not null)
                {
                    line = skipped;
                }
                else
                {
                    var content = lineWithLf.Slice(0, lineWithLf.Length - 1);
                    line = content.ToArray();
                    if (line.Length > 0 && line[^1] == '\r')
                        line = line[..^1];
                }
                _input.AdvanceTo(lineWithLf.End);
                return line;
            }
            if (buffer.Length > MaxLine)
            {
                // Keep no more than the limit: drop what was read (all but its start, for the tag) and look for the line's end.
                if (skipped is null)
                {
                    skipped = new byte[MaxLine + 1];
                    buffer.Slice(0, 128).CopyTo(skipped);
                }
                _input.AdvanceTo(buffer.End);
                continue;
            }
            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return null;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async ValueTask<bool> ReadExactlyAsync(ArrayBufferWriter<byte> into, int count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = (int)Math.Min(count, buffer.Length);
            var slice = buffer.Slice(0, take);
            foreach (var segment in slice)
                into.Write(segment.Span);
            count -= take;
            _input.AdvanceTo(slice.End);
            if (count > 0 && result.IsCompleted)
                return false;
        }
        return true;
    }

    /// <summary>A line ending in <c>{n}</c> or <c>{n+}</c> (also <c>~{n}</c>, RFC 3516 literal8).</summary>
    internal static bool TryLiteralAtEnd(ReadOnlySpan<byte> line, out long length, out bool nonSync)
    {
        length = 0;
        nonSync = false;
        if (line.Length < 3 || line[^1] != '}')
            return false;
        var at = line.Length - 2;
        if (line[at] == '+')
        {
            nonSync = true;
            at--;
        }
        var digitsEnd = at;
        while (at >= 0 && line[at] is >= (byte)'0' and <= (byte)'9')
            at--;
        if (at < 0 || line[at] != '{' || digitsEnd - at == 0 || digitsEnd - at > 18)
            return false;
        foreach (var digit in line[(at + 1)..(digitsEnd + 1)])
            length = length * 10 + (digit - '0');
        return true;
    }

    private static (string Tag, string Name) TagAndName(ReadOnlySpan<byte> command)
    {
        var space = command.IndexOf((byte)' ');
        if (space <= 0)
            return (TagOf(command), "");
        var tag = Encoding.ASCII.GetString(command[..space]);
        var rest = command[(space + 1)..];
        var end = rest.IndexOfAny((byte)' ', (byte)'\r');
        var name = Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]).ToUpperInvariant();
        if (name == "UID")
        {
            var after = end < 0 ? [] : rest[(end + 1)..];
            var next = after.IndexOfAny((byte)' ', (byte)'\r');
            name = "UID " + Encoding.ASCII.GetString(next < 0 ? after : after[..next]).ToUpperInvariant();
        }
        return (tag, name);
    }

    private static string TagOf(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        var tag = space < 0 ? line : line[..space];
        return tag.Length is > 0 and <= 64 && IsTag(tag) ? Encoding.ASCII.GetString(tag) : "*";
    }

    /// <summary>RFC 9051 tag: ASTRING-CHAR except '+'.</summary>
    internal static bool IsTag(ReadOnlySpan<byte> tag)
    {
        if (tag.Length == 0)
            return false;
        foreach (var b in tag)
        {
            if (b == '+' || !(Protocol.ImapArguments.IsAtomChar(b) || b == ']'))
                return false;
        }
        return true;
    }
}
