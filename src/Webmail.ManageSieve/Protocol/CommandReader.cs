using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Webmail.ManageSieve.Protocol;

/// <summary>
/// Reads ManageSieve commands (RFC 5804 §4): a name, then arguments separated by spaces — quoted
/// strings, numbers, and literals (<c>{n+}</c>, or <c>{n}</c>) whose octets follow the line —
/// ended by CRLF. ManageSieve has no continuation request: a client sends a literal's octets at
/// once in either form, so both are read the same way. Everything is bounded: a line at
/// <see cref="MaxLine"/>, a quoted string at 1,024 octets (the grammar's own bound), a literal by the
/// caller's limit for the command, and the literals of one command by <see cref="MaxLiterals"/>.
/// </summary>
public sealed class CommandReader(PipeReader input)
{
    /// <summary>Longest line accepted, without literals. Quoted strings are at most 1,024 octets, so a command fits easily.</summary>
    public const int MaxLine = 8 * 1024;

    /// <summary>RFC 5804 §4: <c>quoted = DQUOTE *1024QUOTED-CHAR DQUOTE</c>.</summary>
    public const int MaxQuoted = 1024;

    /// <summary>No command has more than two strings; a few more literals than that is an attack.</summary>
    public const int MaxLiterals = 4;

    /// <summary>RFC 5804 §4: <c>number = 1*DIGIT</c> in the range 0 to 4294967295.</summary>
    private const long MaxNumber = 4294967295;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private PipeReader _input = input;

    /// <summary>Reads from a new pipe (after STARTTLS); whatever the old one held is dropped.</summary>
    public void Replace(PipeReader input)
    {
        _input.Complete();
        _input = input;
    }

    /// <summary>Reads one command.</summary>
    /// <param name="literalLimit">Largest literal the named command may carry (a script for PUTSCRIPT and CHECKSCRIPT, a name otherwise).</param>
    public async ValueTask<SieveCommand> ReadAsync(Func<string, long> literalLimit, CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is null)
            return SieveCommand.Closed;
        if (line.Length > MaxLine)
            return new SieveCommand(ReadOutcome.LineTooLong, "", []);
        var name = "";
        var arguments = new List<SieveToken>();
        var literals = 0;
        var at = 0;
        while (true)
        {
            var parsed = ParseLine(line, ref at, arguments, ref name, out var literalLength, out var error);
            if (parsed == LineEnd.Error)
            {
                // The client sends a literal announced at the line's end whatever we think of the line: read past it.
                if (TryLiteralAtEnd(line, out var pending) && !await DiscardAsync(pending, MaxDiscardOnError, cancellationToken).ConfigureAwait(false))
                    return new SieveCommand(ReadOutcome.LineTooLong, name, []);
                return new SieveCommand(ReadOutcome.SyntaxError, name, [], error);
            }
            if (parsed == LineEnd.Done)
                return new SieveCommand(ReadOutcome.Command, name, arguments);

            if (++literals > MaxLiterals || literalLength > literalLimit(name))
                return new SieveCommand(ReadOutcome.LiteralTooLarge, name, [], "", literalLength);
            var bytes = await ReadExactlyAsync((int)literalLength, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
                return SieveCommand.Closed;
            string text;
            try
            {
                text = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                await SkipLineAsync(cancellationToken).ConfigureAwait(false);
                return new SieveCommand(ReadOutcome.SyntaxError, name, [], "Strings must be UTF-8");
            }
            arguments.Add(new SieveToken(SieveTokenKind.String, text));
            // The command goes on after the literal's octets, on the rest of that line.
            line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
                return SieveCommand.Closed;
            if (line.Length > MaxLine)
                return new SieveCommand(ReadOutcome.LineTooLong, name, []);
            at = 0;
            if (line.Length > 0 && line[0] != ' ')
            {
                if (TryLiteralAtEnd(line, out var pending) && !await DiscardAsync(pending, MaxDiscardOnError, cancellationToken).ConfigureAwait(false))
                    return new SieveCommand(ReadOutcome.LineTooLong, name, []);
                return new SieveCommand(ReadOutcome.SyntaxError, name, [], "Expected a space or the end of the command after a literal");
            }
        }
    }

    /// <summary>How much of a literal in a command with a syntax error is read and thrown away before the connection is given up.</summary>
    private const long MaxDiscardOnError = 64 * 1024;

    /// <summary>
    /// Reads and drops <paramref name="length"/> octets (a refused literal) and the rest of its command,
    /// holding no more than a buffer in memory.
    /// </summary>
    /// <returns>False when there was more to drop than <paramref name="maxDiscard"/> (or the client left): the connection should close.</returns>
    public async ValueTask<bool> DiscardAsync(long length, long maxDiscard, CancellationToken cancellationToken)
    {
        var literals = 0;
        while (true)
        {
            if (length > maxDiscard || ++literals > MaxLiterals)
                return false;
            maxDiscard -= length;
            while (length > 0)
            {
                var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var take = Math.Min(length, result.Buffer.Length);
                _input.AdvanceTo(result.Buffer.GetPosition(take));
                length -= take;
                if (length > 0 && result.IsCompleted)
                    return false;
            }
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null || line.Length > MaxLine)
                return false;
            if (!TryLiteralAtEnd(line, out length))
                return true;
        }
    }

    /// <summary>The client's response during AUTHENTICATE (RFC 5804 §2.1): one string, or a bare word such as <c>*</c>.</summary>
    public async ValueTask<SieveCommand> ReadSaslResponseAsync(long literalLimit, CancellationToken cancellationToken)
    {
        // Parsed as a command whose "name" is the first bare word, if any.
        var read = await ReadAsync(_ => literalLimit, cancellationToken).ConfigureAwait(false);
        if (read.Outcome != ReadOutcome.Command)
            return read;
        if (read.Name.Length > 0)
            return read.Arguments.Count == 0 ? read with { Arguments = [new SieveToken(SieveTokenKind.Atom, read.Name)], Name = "" } : read with { Outcome = ReadOutcome.SyntaxError, Error = "Expected one string" };
        return read.Arguments.Count == 1 ? read : read with { Outcome = ReadOutcome.SyntaxError, Error = "Expected one string" };
    }

    private enum LineEnd
    {
        Done,
        Literal,
        Error,
    }

    /// <summary>Parses tokens from <paramref name="at"/> to the end of the line or to a literal that ends it.</summary>
    private static LineEnd ParseLine(byte[] line, ref int at, List<SieveToken> arguments, ref string name, out long literalLength, out string error)
    {
        literalLength = 0;
        error = "";
        var first = name.Length == 0 && arguments.Count == 0 && at == 0;
        while (true)
        {
            if (!first)
            {
                if (at == line.Length)
                    return LineEnd.Done;
                if (line[at] != ' ')
                {
                    error = "Expected a space between arguments";
                    return LineEnd.Error;
                }
                at++;
            }
            if (at == line.Length)
            {
                if (first)
                {
                    error = "Empty command";
                    return LineEnd.Error;
                }
                // Trailing space: tolerated, as Dovecot does.
                return LineEnd.Done;
            }
            var b = line[at];
            if (b == '"')
            {
                if (!TryQuoted(line, ref at, out var text, out error))
                    return LineEnd.Error;
                // First on the line, a string stands where a command name belongs: the form of a SASL response.
                arguments.Add(new SieveToken(SieveTokenKind.String, text));
            }
            else if (b == '{')
            {
                if (!TryLiteralAtEnd(line.AsSpan(at), out literalLength))
                {
                    error = "Bad literal";
                    return LineEnd.Error;
                }
                at = line.Length;
                return LineEnd.Literal;
            }
            else if (b is >= (byte)'0' and <= (byte)'9' && !first)
            {
                var start = at;
                long number = 0;
                while (at < line.Length && line[at] is >= (byte)'0' and <= (byte)'9')
                {
                    number = number * 10 + (line[at] - '0');
                    if (number > MaxNumber)
                    {
                        error = "Number too large";
                        return LineEnd.Error;
                    }
                    at++;
                }
                if (at < line.Length && line[at] != ' ')
                {
                    error = "Bad number";
                    return LineEnd.Error;
                }
                arguments.Add(new SieveToken(SieveTokenKind.Number, Encoding.ASCII.GetString(line, start, at - start), number));
            }
            else
            {
                var start = at;
                while (at < line.Length && line[at] is not ((byte)' ' or (byte)'"' or (byte)'{') && line[at] > 0x20 && line[at] < 0x7f)
                    at++;
                if (at == start || at < line.Length && line[at] != ' ')
                {
                    error = "Unexpected character";
                    return LineEnd.Error;
                }
                var word = Encoding.ASCII.GetString(line, start, at - start);
                if (first)
                    name = word.ToUpperInvariant();
                else
                    arguments.Add(new SieveToken(SieveTokenKind.Atom, word));
            }
            first = false;
        }
    }

    /// <summary>RFC 5804 §4: <c>QUOTED-CHAR = SAFE-UTF8-CHAR / "\" QUOTED-SPECIALS</c>; no CR, LF or NUL.</summary>
    private static bool TryQuoted(byte[] line, ref int at, out string text, out string error)
    {
        text = "";
        error = "";
        var value = new ArrayBufferWriter<byte>(64);
        var i = at + 1;
        while (true)
        {
            if (i >= line.Length)
            {
                error = "Unterminated quoted string";
                return false;
            }
            var b = line[i];
            if (b == '"')
                break;
            if (b == '\\')
            {
                if (i + 1 >= line.Length || line[i + 1] is not ((byte)'"' or (byte)'\\'))
                {
                    error = "Bad escape in quoted string";
                    return false;
                }
                b = line[++i];
            }
            else if (b is 0 or (byte)'\r' or (byte)'\n')
            {
                error = "Bad character in quoted string";
                return false;
            }
            value.Write([b]);
            if (value.WrittenCount > MaxQuoted)
            {
                error = "Quoted string too long; send a literal";
                return false;
            }
            i++;
        }
        try
        {
            text = StrictUtf8.GetString(value.WrittenSpan);
        }
        catch (DecoderFallbackException)
        {
            error = "Strings must be UTF-8";
            return false;
        }
        at = i + 1;
        return true;
    }

    /// <summary>A line (or its tail) that is exactly or ends with <c>{n}</c> / <c>{n+}</c>.</summary>
    internal static bool TryLiteralAtEnd(ReadOnlySpan<byte> line, out long length)
    {
        length = 0;
        if (line.Length < 3 || line[^1] != '}')
            return false;
        var at = line.Length - 2;
        if (line[at] == '+')
            at--;
        var digitsEnd = at;
        while (at >= 0 && line[at] is >= (byte)'0' and <= (byte)'9')
            at--;
        if (at < 0 || line[at] != '{' || digitsEnd == at || digitsEnd - at > 10)
            return false;
        foreach (var digit in line[(at + 1)..(digitsEnd + 1)])
            length = length * 10 + (digit - '0');
        return length <= MaxNumber;
    }

    /// <summary>
    /// Reads one line without its CRLF (or bare LF); null when the connection closed first. A line
    /// longer than <see cref="MaxLine"/> is returned as soon as that is known, as a longer array
    /// (the caller closes the connection); the rest of it is not read.
    /// </summary>
    private async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var lineWithLf = buffer.Slice(0, buffer.GetPosition(1, end));
                if (lineWithLf.Length > MaxLine + 2)
                {
                    _input.AdvanceTo(lineWithLf.End);
                    return new byte[MaxLine + 1];
                }
                var line = lineWithLf.Slice(0, lineWithLf.Length - 1).ToArray();
                _input.AdvanceTo(lineWithLf.End);
                return line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
            }
            if (buffer.Length > MaxLine + 2)
            {
                _input.AdvanceTo(buffer.End);
                return new byte[MaxLine + 1];
            }
            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return null;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async ValueTask SkipLineAsync(CancellationToken cancellationToken) => _ = await ReadLineAsync(cancellationToken).ConfigureAwait(false);

    private async ValueTask<byte[]?> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var slice = result.Buffer.Slice(0, Math.Min(count - filled, result.Buffer.Length));
            slice.CopyTo(bytes.AsSpan(filled));
            filled += (int)slice.Length;
            _input.AdvanceTo(slice.End);
            if (filled < count && result.IsCompleted)
                return null;
        }
        return bytes;
    }
}
