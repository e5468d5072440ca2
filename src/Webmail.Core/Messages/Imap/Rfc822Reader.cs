using System.Text;

namespace Webmail.Core.Messages.Imap;

/// <summary>
/// The RFC 5322 / MIME token reader of a header value, written to give the same answers as Dovecot 2.3's
/// <c>rfc822-parser.c</c> (the reference server ENVELOPE and BODYSTRUCTURE are compared with), including its
/// leniency on broken input. Works on the value decoded to text: every character above 0x7F counts as atext, as
/// every 8-bit octet does in Dovecot. Methods return Dovecot's codes: -1 broken, 0 end of input, 1 more input follows.
/// </summary>
internal sealed class Rfc822Reader(string data)
{
    /// <summary>Replaces NUL in quoted strings and comments when set (Dovecot's <c>nul_replacement_str</c>).</summary>
    public string? NulReplacement { get; set; }

    /// <summary>Collects the text of the last comment skipped when set.</summary>
    public StringBuilder? LastComment { get; set; }

    public int Position { get; set; }

    public bool AtEnd => Position >= data.Length;

    /// <summary>The current character; NUL at the end, as C's terminating NUL is.</summary>
    public char Current => Position < data.Length ? data[Position] : '\0';

    /// <summary>RFC 5322 atext, and any 8-bit character (Dovecot's <c>IS_ATEXT</c>).</summary>
    public static bool IsAtext(char c) => c >= 0x80 || (c > 0x20 && c < 0x7F && "()<>[]:;@\\,.\"".IndexOf(c) < 0);

    /// <summary>atext that is not a MIME tspecial (<c>/ ? =</c>) (Dovecot's <c>IS_ATEXT_NON_TSPECIAL</c>).</summary>
    public static bool IsMimeTokenChar(char c) => IsAtext(c) && c is not ('/' or '?' or '=');

    /// <summary>Skips the comment the reader stands on, nested comments included, into <see cref="LastComment"/> when set.</summary>
    public int SkipComment()
    {
        LastComment?.Clear();
        if (!ReadDelimited(LastComment, ')', nests: true))
            return -1;
        return AtEnd ? 0 : 1;
    }

    /// <summary>
    /// The text of the comment or quoted string whose opening character the reader stands on, up to its
    /// <paramref name="close"/> character (counting nested openings when <paramref name="nests"/>): appended to
    /// <paramref name="str"/> when set, with quoted-pairs unescaped and line breaks unfolded. Leaves the reader after
    /// the closing character; false when the input ends first.
    /// </summary>
    private bool ReadDelimited(StringBuilder? str, char close, bool nests)
    {
        var open = data[Position];
        var level = 1;
        var start = ++Position;
        for (; Position < data.Length; Position++)
        {
            var c = data[Position];
            if (c == '\0')
            {
                start = ReplaceNul(str, start);
            }
            else if (c == close)
            {
                if (--level > 0)
                    continue;
                str?.Append(data, start, Position - start);
                Position++;
                return true;
            }
            else if (c == open && nests)
            {
                level++;
            }
            else if (c == '\n')
            {
                start = UnfoldLineBreak(str, start);
            }
            else if (c == '\\')
            {
                Position++;
                if (AtEnd)
                    return false;
                if (data[Position] is '\r' or '\n' or '\0')
                {
                    // quoted-pair does not allow CR, LF or NUL (obs-qp does): not an error.
                    Position--;
                    continue;
                }
                str?.Append(data, start, Position - start - 1);
                start = Position;
            }
        }
        return false;
    }

    /// <summary>
    /// The NUL at Position in a quoted string, comment or domain literal: when <paramref name="str"/> and
    /// <see cref="NulReplacement"/> are set, appends data[start..Position) and the replacement. Returns where
    /// the text to copy now starts.
    /// </summary>
    private int ReplaceNul(StringBuilder? str, int start)
    {
        if (str is null || NulReplacement is null)
            return start;
        str.Append(data, start, Position - start).Append(NulReplacement);
        return Position + 1;
    }

    /// <summary>
    /// Folding whitespace: appends data[start..Position) without the CR of the line break at Position, when
    /// <paramref name="str"/> is set. Returns where the text to copy now starts.
    /// </summary>
    private int UnfoldLineBreak(StringBuilder? str, int start)
    {
        if (str is null)
            return start;
        var length = Position - start;
        if (length > 0 && data[start + length - 1] == '\r')
            length--;
        str.Append(data, start, length);
        return Position + 1;
    }

    /// <summary>
    /// Appends the characters from Position on that <paramref name="isTokenChar"/> accepts, then skips whitespace
    /// and comments after them (Dovecot's token loops).
    /// </summary>
    private int ParseRun(StringBuilder str, Func<char, bool> isTokenChar)
    {
        var start = Position;
        for (; Position < data.Length; Position++)
        {
            if (isTokenChar(data[Position]))
                continue;
            str.Append(data, start, Position - start);
            return SkipLwsp();
        }
        str.Append(data, start, Position - start);
        return 0;
    }

    public int SkipLwsp()
    {
        while (Position < data.Length)
        {
            var c = data[Position];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                Position++;
                continue;
            }
            if (c != '(')
                break;
            if (SkipComment() < 0)
                return -1;
        }
        return AtEnd ? 0 : 1;
    }

    public int ParseAtom(StringBuilder str)
    {
        if (AtEnd || !IsAtext(Current))
            return -1;
        return ParseRun(str, IsAtext);
    }

    /// <summary>dot-atom, allowing whitespace around the dots as RFC 822 did.</summary>
    public int ParseDotAtom(StringBuilder str)
    {
        if (AtEnd || !IsAtext(Current))
            return -1;
        var start = Position++;
        while (Position < data.Length)
        {
            if (IsAtext(data[Position]))
            {
                Position++;
                continue;
            }
            if (start == Position)
                return -1;
            str.Append(data, start, Position - start);
            int ret;
            if ((ret = SkipLwsp()) <= 0)
                return ret;
            if (Current != '.')
                return 1;
            Position++;
            str.Append('.');
            if (SkipLwsp() <= 0)
                return -1;
            start = Position;
        }
        str.Append(data, start, Position - start);
        return 0;
    }

    /// <summary>A MIME token (RFC 2045 §5.1), dots included as Dovecot reads them.</summary>
    public int ParseMimeToken(StringBuilder str) => ParseRun(str, static c => IsMimeTokenChar(c) || c == '.');

    /// <summary>The quoted string the reader stands on, unquoted, and the whitespace after it.</summary>
    public int ParseQuotedString(StringBuilder str) => ReadDelimited(str, '"', nests: false) ? SkipLwsp() : -1;

    /// <summary>A word of an obs-phrase: atext and dots.</summary>
    private int ParseAtomOrDot(StringBuilder str) => ParseRun(str, static c => IsAtext(c) || c == '.');

    /// <summary>phrase / obs-phrase: words joined by single spaces.</summary>
    public int ParsePhrase(StringBuilder str)
    {
        if (AtEnd)
            return 0;
        if (Current == '.')
            return -1;
        while (true)
        {
            var ret = Current == '"' ? ParseQuotedString(str) : ParseAtomOrDot(str);
            if (ret <= 0)
                return ret;
            if (!IsAtext(Current) && Current != '"' && Current != '.')
                break;
            str.Append(' ');
        }
        return SkipLwsp();
    }

    private int ParseDomainLiteral(StringBuilder str)
    {
        var start = Position++;
        for (; Position < data.Length; Position++)
        {
            switch (data[Position])
            {
                case '\0':
                    start = ReplaceNul(str, start);
                    break;
                case '[':
                    return -1;
                case ']':
                    str.Append(data, start, Position - start + 1);
                    Position++;
                    return SkipLwsp();
                case '\n':
                    start = UnfoldLineBreak(str, start);
                    break;
                case '\\':
                    // The backslash is kept in the output.
                    Position++;
                    if (AtEnd)
                        return -1;
                    if (data[Position] is '\r' or '\n' or '\0')
                    {
                        str.Append(data, start, Position - start);
                        start = Position;
                        Position--;
                    }
                    break;
            }
        }
        return -1;
    }

    /// <summary>domain after '@' (the reader stands on the '@').</summary>
    public int ParseDomain(StringBuilder str)
    {
        Position++;
        if (SkipLwsp() <= 0)
            return -1;
        return Current == '[' ? ParseDomainLiteral(str) : ParseDotAtom(str);
    }

    /// <summary>type "/" subtype of a Content-Type; on a broken value <paramref name="str"/> is left as it was.</summary>
    public int ParseContentType(StringBuilder str)
    {
        var start = str.Length;
        if (SkipLwsp() <= 0)
            return -1;
        if (ParseMimeToken(str) <= 0 || str.Length == start)
            return -1;
        if (Current != '/')
        {
            str.Length = start;
            return -1;
        }
        Position++;
        if (SkipLwsp() <= 0)
        {
            str.Length = start;
            return -1;
        }
        str.Append('/');
        var subtypeStart = str.Length;
        int ret;
        if ((ret = ParseMimeToken(str)) < 0 || str.Length == subtypeStart || (!AtEnd && Current != ';'))
        {
            str.Length = start;
            return -1;
        }
        return ret;
    }

    /// <summary>One <c>; attribute=value</c> parameter.</summary>
    public int ParseContentParam(out string? key, StringBuilder value)
    {
        key = null;
        value.Clear();
        if (AtEnd)
            return 0;
        if (Current != ';')
            return -1;
        Position++;
        if (SkipLwsp() <= 0)
            return -1;
        var name = new StringBuilder();
        if (ParseMimeToken(name) <= 0)
            return -1;
        if (Current != '=')
            return -1;
        Position++;
        int ret;
        if ((ret = SkipLwsp()) <= 0)
        {
            // broken: no value
        }
        else if (Current == '"')
        {
            ret = ParseQuotedString(value);
        }
        else if (Current == '=')
        {
            // Dovecot's workaround for name==?utf-8?b?...?=
            while (!AtEnd && Current is not (';' or ' ' or '\t' or '\r' or '\n'))
            {
                value.Append(Current);
                Position++;
            }
        }
        else
        {
            ret = ParseMimeToken(value);
        }
        key = name.ToString();
        return ret < 0 ? -1 : 1;
    }
}
