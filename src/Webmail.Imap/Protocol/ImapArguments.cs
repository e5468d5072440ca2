using System.Globalization;
using System.Text;

namespace Webmail.Imap.Protocol;

/// <summary>
/// A cursor over one command's bytes after the command name (literals included inline as
/// <c>{n}\r\n</c> + n octets, as <see cref="Net.CommandReader"/> assembled them). Reads the grammar's
/// pieces (RFC 9051 §9: atom, astring, string, list, number, sequence set) and throws
/// <see cref="ImapSyntaxException"/> for anything else; it never reads past the end.
/// </summary>
public sealed class ImapArguments(byte[] bytes, int start)
{
    /// <summary>Deepest parenthesised nesting accepted (FETCH and SEARCH lists, BODYSTRUCTURE-free input).</summary>
    public const int MaxDepth = 16;

    private int _at = start;

    public bool AtEnd => _at >= bytes.Length;

    public byte? Peek => AtEnd ? null : bytes[_at];

    /// <summary>True and consumed when the next byte is <paramref name="c"/>.</summary>
    public bool TryConsume(char c)
    {
        if (!AtEnd && bytes[_at] == c)
        {
            _at++;
            return true;
        }
        return false;
    }

    public void Expect(char c)
    {
        if (!TryConsume(c))
            throw new ImapSyntaxException(AtEnd ? $"Expected '{c}' but the command ended" : $"Expected '{c}'");
    }

    public void Space() => Expect(' ');

    /// <summary>Throws unless the whole command has been read.</summary>
    public void End()
    {
        if (!AtEnd)
            throw new ImapSyntaxException("Unexpected characters at the end of the command");
    }

    /// <summary>RFC 9051 ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ].</summary>
    public static bool IsAtomChar(byte b) => b > 0x20 && b < 0x7F && b is not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    /// <summary>An atom; with <paramref name="allowBracket"/> a ']' is part of it (ASTRING-CHAR), with <paramref name="listChars"/> also % and * (list-mailbox).</summary>
    public string Atom(bool allowBracket = false, bool listChars = false)
    {
        var from = _at;
        while (!AtEnd && (IsAtomChar(bytes[_at]) || (allowBracket && bytes[_at] == ']') || (listChars && bytes[_at] is (byte)'%' or (byte)'*')))
            _at++;
        if (_at == from)
            throw new ImapSyntaxException("Expected an atom");
        return Encoding.ASCII.GetString(bytes, from, _at - from);
    }

    /// <summary>A FETCH item name: an atom that ends before '[' or '&lt;' (<c>BODY.PEEK[1]&lt;0.10&gt;</c>).</summary>
    public string ItemName()
    {
        var from = _at;
        while (!AtEnd && IsAtomChar(bytes[_at]) && bytes[_at] is not ((byte)'[' or (byte)'<'))
            _at++;
        if (_at == from)
            throw new ImapSyntaxException("Expected a FETCH item");
        return Encoding.ASCII.GetString(bytes, from, _at - from);
    }

    /// <summary>An astring: atom (with ']'), quoted string or literal, as UTF-8 text.</summary>
    public string AString() => Peek is (byte)'"' or (byte)'{' or (byte)'~' ? String() : Atom(allowBracket: true);

    /// <summary>A quoted string or a literal, as UTF-8 text.</summary>
    public string String() => Encoding.UTF8.GetString(StringBytes().Span);

    /// <summary>NIL or a string.</summary>
    public string? NString()
    {
        if (Peek is (byte)'N' or (byte)'n' && !(Peek is (byte)'"'))
        {
            var atom = Atom();
            if (atom.Equals("NIL", StringComparison.OrdinalIgnoreCase))
                return null;
            throw new ImapSyntaxException("Expected NIL or a string");
        }
        return String();
    }

    /// <summary>A quoted string or a literal as its octets (a literal's bytes are not copied).</summary>
    public ReadOnlyMemory<byte> StringBytes()
    {
        if (TryConsume('"'))
        {
            var text = new List<byte>();
            while (true)
            {
                if (AtEnd)
                    throw new ImapSyntaxException("Unterminated quoted string");
                var b = bytes[_at++];
                if (b == '"')
                    return text.ToArray();
                if (b == '\\')
                {
                    // RFC 9051 §9: only quoted-specials may be escaped.
                    if (AtEnd || bytes[_at] is not ((byte)'"' or (byte)'\\'))
                        throw new ImapSyntaxException("Invalid escape in a quoted string");
                    b = bytes[_at++];
                }
                else if (b is (byte)'\r' or (byte)'\n' or 0)
                {
                    throw new ImapSyntaxException("CR, LF or NUL in a quoted string");
                }
                text.Add(b);
            }
        }
        TryConsume('~'); // literal8 (RFC 3516) where a literal may be
        if (!TryConsume('{'))
            throw new ImapSyntaxException("Expected a string");
        var length = Number(allowZero: true);
        TryConsume('+');
        Expect('}');
        Expect('\r');
        Expect('\n');
        if (length > bytes.Length - _at)
            throw new ImapSyntaxException("Literal longer than the command");
        var literal = new ReadOnlyMemory<byte>(bytes, _at, (int)length);
        _at += (int)length;
        return literal;
    }

    /// <summary>A number (RFC 9051 number / nz-number), at most 2^63 - 1.</summary>
    public long Number(bool allowZero = false)
    {
        var from = _at;
        long value = 0;
        while (!AtEnd && bytes[_at] is >= (byte)'0' and <= (byte)'9')
        {
            if (_at - from >= 18)
                throw new ImapSyntaxException("Number too large");
            value = value * 10 + (bytes[_at++] - '0');
        }
        if (_at == from)
            throw new ImapSyntaxException("Expected a number");
        if (value == 0 && !allowZero)
            throw new ImapSyntaxException("Expected a non-zero number");
        return value;
    }

    /// <summary>A sequence set (RFC 9051 §9 sequence-set, with <c>*</c> and RFC 5182 <c>$</c>).</summary>
    public SequenceSet SequenceSet()
    {
        if (TryConsume('$'))
            return Protocol.SequenceSet.SavedResult;
        var ranges = new List<(long, long)>();
        do
        {
            if (ranges.Count >= Protocol.SequenceSet.MaxRanges)
                throw new ImapSyntaxException("Sequence set too long");
            var first = SeqNumber();
            var last = TryConsume(':') ? SeqNumber() : first;
            ranges.Add((first, last));
        }
        while (TryConsume(','));
        return new SequenceSet(ranges);
    }

    private long SeqNumber()
    {
        if (TryConsume('*'))
            return Protocol.SequenceSet.Star;
        var n = Number();
        if (n > uint.MaxValue)
            throw new ImapSyntaxException("Sequence number out of range");
        return n;
    }

    /// <summary>True when the next bytes are <paramref name="word"/> (any case) followed by a non-atom byte; they are consumed.</summary>
    public bool TryKeyword(string word)
    {
        if (bytes.Length - _at < word.Length)
            return false;
        for (var i = 0; i < word.Length; i++)
        {
            if (char.ToUpperInvariant((char)bytes[_at + i]) != word[i])
                return false;
        }
        if (_at + word.Length < bytes.Length && IsAtomChar(bytes[_at + word.Length]) && char.IsLetterOrDigit(word[^1]))
            return false;
        _at += word.Length;
        return true;
    }

    /// <summary>RFC 9051 date: <c>d-MMM-yyyy</c>, quoted or not.</summary>
    public DateOnly Date()
    {
        var quoted = TryConsume('"');
        var text = Atom();
        if (quoted)
            Expect('"');
        if (!DateOnly.TryParseExact(text, ["d-MMM-yyyy", "dd-MMM-yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            throw new ImapSyntaxException("Invalid date");
        return date;
    }

    /// <summary>RFC 9051 date-time: <c>"dd-MMM-yyyy HH:mm:ss +hhmm"</c> (the day may be space-padded).</summary>
    public DateTimeOffset DateTime()
    {
        var text = Encoding.ASCII.GetString(StringBytes().Span).Trim();
        var space = text.LastIndexOf(' ');
        if (space < 0 || text.Length - space != 6 || text[space + 1] is not ('+' or '-')
            || !int.TryParse(text.AsSpan(space + 2, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(text.AsSpan(space + 4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || !System.DateTime.TryParseExact(text[..space], ["d-MMM-yyyy HH:mm:ss", "dd-MMM-yyyy HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            || hours > 23 || minutes > 59)
            throw new ImapSyntaxException("Invalid date-time");
        var offset = new TimeSpan(hours, minutes, 0);
        return new DateTimeOffset(local, text[space + 1] == '-' ? -offset : offset);
    }

    /// <summary>A flag: <c>\Word</c> or a keyword atom.</summary>
    public string Flag()
    {
        if (TryConsume('\\'))
            return TryConsume('*') ? "\\*" : "\\" + Atom();
        return Atom();
    }

    /// <summary>A parenthesised flag list (or, when <paramref name="allowBare"/>, flags without parentheses, as STORE allows).</summary>
    public List<string> FlagList(bool allowBare = false)
    {
        var flags = new List<string>();
        var open = TryConsume('(');
        if (!open && !allowBare)
            throw new ImapSyntaxException("Expected a flag list");
        if (open && TryConsume(')'))
            return flags;
        do
        {
            if (flags.Count >= 256)
                throw new ImapSyntaxException("Too many flags");
            flags.Add(Flag());
        }
        while (TryConsume(' '));
        if (open)
            Expect(')');
        return flags;
    }
}
