using System.Globalization;
using System.Runtime.CompilerServices;

namespace Webmail.Mail.Transfer;

/// <summary>
/// Splits an mbox stream into messages without holding more than one: a message starts at a
/// <c>From </c> line at the start of the file or after an empty line (or one that looks like a
/// separator: it ends with a year). mboxrd quoting is undone (<c>&gt;From </c>, <c>&gt;&gt;From </c>...
/// lose one <c>&gt;</c>; mboxo files read the same way), the empty line before the next separator is
/// dropped, and bare LF line ends become CRLF (RFC 5322 §2.1; a CRLF stays as it is).
/// </summary>
public static class MboxReader
{
    /// <summary>A line longer than this breaks the message it is in (no mail program writes one).</summary>
    public const int MaxLineLength = 1024 * 1024;

    /// <param name="Raw">The message; null when it was too large or malformed (<see cref="Error"/> says why).</param>
    /// <param name="Separator">The <c>From </c> line (without its line end), for its date.</param>
    /// <param name="Ordinal">The message's place in the file, from 1.</param>
    public sealed record Entry(byte[]? Raw, string Separator, int Ordinal, string? Error);

    /// <exception cref="ImportException">The stream does not start with a <c>From </c> line.</exception>
    public static async IAsyncEnumerable<Entry> ReadAsync(Stream stream, long maxMessageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = new ByteLineReader(stream, MaxLineLength);
        var splitter = new Splitter(maxMessageSize);
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.IsEnd)
                break;
            if (splitter.Feed(line) is { } entry)
                yield return entry;
        }
        // mbox writers end every message with an empty line: one held back at the end is dropped.
        if (splitter.End() is { } last)
            yield return last;
    }

    /// <summary>The state between lines: the message so far, and an empty line held back (it belongs to the separator if one follows).</summary>
    private sealed class Splitter(long maxMessageSize)
    {
        private readonly MemoryStream _body = new();
        private string? _separator;
        private string? _error;
        private int _ordinal;
        private bool _previousBlank = true;
        private bool _pendingBlank;

        public Entry? Feed(ByteLineReader.Line line)
        {
            var content = Content(line.Bytes);
            if (IsSeparator(content, _previousBlank || _separator is null))
            {
                var finished = _separator is null ? null : Finish(_body, _separator, _ordinal, _error);
                _separator = System.Text.Encoding.Latin1.GetString(content);
                _ordinal++;
                _error = null;
                _body.SetLength(0);
                _pendingBlank = false;
                _previousBlank = false;
                return finished;
            }
            if (_separator is null)
            {
                if (content.Length == 0)
                    return null; // empty lines before the first separator
                throw new ImportException("This is not an mbox file: it does not start with a 'From ' line.");
            }
            if (line.Overlong)
                _error ??= $"message {_ordinal}: a line is longer than {MaxLineLength / 1024:N0} KB";
            if (_pendingBlank)
            {
                Append(_body, [], ref _error, maxMessageSize, _ordinal);
                _pendingBlank = false;
            }
            _previousBlank = content.Length == 0;
            if (_previousBlank)
                _pendingBlank = true;
            else
                Append(_body, Unquote(content), ref _error, maxMessageSize, _ordinal);
            return null;
        }

        public Entry? End() => _separator is null ? null : Finish(_body, _separator, _ordinal, _error);
    }

    private static Entry Finish(MemoryStream body, string separator, int ordinal, string? error) =>
        error is null ? new Entry(body.ToArray(), separator, ordinal, null) : new Entry(null, separator, ordinal, error);

    private static void Append(MemoryStream body, ReadOnlySpan<byte> content, ref string? error, long maxMessageSize, int ordinal)
    {
        if (error is not null)
            return;
        if (body.Length + content.Length + 2 > maxMessageSize)
        {
            error = $"message {ordinal}: larger than the {Core.ByteSize.FormatCompact(maxMessageSize)} message size limit";
            body.SetLength(0);
            return;
        }
        body.Write(content);
        body.Write("\r\n"u8);
    }

    /// <summary>The line without its line end (LF or CRLF).</summary>
    private static ReadOnlySpan<byte> Content(ReadOnlySpan<byte> line)
    {
        if (line.EndsWith("\n"u8))
            line = line[..^1];
        if (line.EndsWith("\r"u8))
            line = line[..^1];
        return line;
    }

    /// <summary>mboxrd: <c>&gt;From </c> with one or more <c>&gt;</c> loses one.</summary>
    public static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> content)
    {
        var i = 0;
        while (i < content.Length && content[i] == (byte)'>')
            i++;
        return i > 0 && content[i..].StartsWith("From "u8) ? content[1..] : content;
    }

    private static bool IsSeparator(ReadOnlySpan<byte> content, bool afterBlank)
    {
        if (!content.StartsWith("From "u8))
            return false;
        if (afterBlank)
            return true;
        // Without the empty line before it, only a line that ends in a year ("... 2024") counts.
        return content.Length > 10 && EndsWithYear(content);
    }

    private static bool EndsWithYear(ReadOnlySpan<byte> content)
    {
        var tail = content[^4..];
        foreach (var b in tail)
        {
            if (b is < (byte)'0' or > (byte)'9')
                return false;
        }
        return content[^5] == (byte)' ';
    }

    /// <summary>
    /// The date of a <c>From </c> line: <c>From sender Thu Dec  4 10:00:00 2025</c> (asctime, UTC) or Google
    /// Takeout's <c>From 1234@xxx Thu Dec 04 10:00:00 +0000 2025</c>; null when it has none.
    /// </summary>
    public static DateTimeOffset? SeparatorDate(string separator)
    {
        var words = separator.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 6)
            return null;
        // The date is the last five (asctime) or six (with a zone) words.
        for (var count = 6; count >= 5; count--)
        {
            if (words.Length < count + 2)
                continue;
            var tail = words[^count..];
            var zone = count == 6 ? tail[4] : "+0000";
            var text = $"{tail[1]} {tail[2].PadLeft(2, '0')} {tail[3]} {tail[^1]} {zone}";
            if (DateTimeOffset.TryParseExact(text, "MMM dd HH:mm:ss yyyy zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                return date;
        }
        return null;
    }
}
