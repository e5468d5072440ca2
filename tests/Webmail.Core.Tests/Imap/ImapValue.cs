using System.Text;

namespace Webmail.Core.Tests.Imap;

/// <summary>
/// A parsed IMAP value, for comparing answers by meaning rather than by spelling: a string is a string whether it
/// was sent quoted or as a literal (RFC 9051 §4.3 lets the server choose).
/// </summary>
internal abstract record ImapValue
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public sealed record Nil : ImapValue
    {
        public override string ToString() => "NIL";
    }

    public sealed record Atom(string Text) : ImapValue
    {
        public override string ToString() => Text;
    }

    /// <summary>A quoted string or a literal; its octets as text (UTF-8 when valid, else Latin-1, as our writer holds them).</summary>
    public sealed record Str(string Text) : ImapValue
    {
        public override string ToString() => "\"" + Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    public sealed record List(IReadOnlyList<ImapValue> Items) : ImapValue
    {
        public bool Equals(List? other) => other is not null && Items.SequenceEqual(other.Items);
        public override int GetHashCode() => Items.Count;
        public override string ToString() => "(" + string.Join(" ", Items) + ")";
    }

    /// <summary>Parses one value from wire octets.</summary>
    public static ImapValue Parse(byte[] wire)
    {
        var position = 0;
        var value = Read(wire, ref position);
        SkipSpaces(wire, ref position);
        if (position != wire.Length)
            throw new FormatException($"trailing data at {position}: {Encoding.Latin1.GetString(wire, position, Math.Min(40, wire.Length - position))}");
        return value;
    }

    /// <summary>Parses our output (a string sent as UTF-8).</summary>
    public static ImapValue ParseOurs(string text) => Parse(Encoding.UTF8.GetBytes(text));

    /// <summary>Parses a recording (wire octets kept as Latin-1 text).</summary>
    public static ImapValue ParseRecorded(string text) => Parse(Encoding.Latin1.GetBytes(text));

    private static void SkipSpaces(byte[] wire, ref int position)
    {
        while (position < wire.Length && wire[position] == ' ')
            position++;
    }

    private static ImapValue Read(byte[] wire, ref int position)
    {
        SkipSpaces(wire, ref position);
        if (position >= wire.Length)
            throw new FormatException("unexpected end");
        switch (wire[position])
        {
            case (byte)'(':
                position++;
                var items = new List<ImapValue>();
                while (true)
                {
                    SkipSpaces(wire, ref position);
                    if (position >= wire.Length)
                        throw new FormatException("unclosed list");
                    if (wire[position] == ')')
                    {
                        position++;
                        return new List(items);
                    }
                    items.Add(Read(wire, ref position));
                }
            case (byte)'"':
                position++;
                var quoted = new List<byte>();
                while (wire[position] != '"')
                {
                    if (wire[position] == '\\')
                        position++;
                    quoted.Add(wire[position++]);
                }
                position++;
                return new Str(Decode(quoted.ToArray()));
            case (byte)'{':
                var close = Array.IndexOf(wire, (byte)'}', position);
                var length = int.Parse(Encoding.ASCII.GetString(wire, position + 1, close - position - 1), System.Globalization.CultureInfo.InvariantCulture);
                if (wire[close + 1] != '\r' || wire[close + 2] != '\n')
                    throw new FormatException("literal without CRLF");
                var start = close + 3;
                position = start + length;
                return new Str(Decode(wire.AsSpan(start, length)));
            default:
                var atomStart = position;
                while (position < wire.Length && wire[position] is not ((byte)' ' or (byte)'(' or (byte)')'))
                    position++;
                var atom = Encoding.ASCII.GetString(wire, atomStart, position - atomStart);
                return atom.Equals("NIL", StringComparison.OrdinalIgnoreCase) ? new Nil() : new Atom(atom);
        }
    }

    private static string Decode(ReadOnlySpan<byte> octets)
    {
        try
        {
            return StrictUtf8.GetString(octets);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(octets);
        }
    }
}
