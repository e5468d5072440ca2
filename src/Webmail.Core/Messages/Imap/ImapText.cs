using System.Text;

namespace Webmail.Core.Messages.Imap;

/// <summary>The one place IMAP strings are written: NIL, a quoted string, or a literal (RFC 9051 §4.3).</summary>
public static class ImapText
{
    /// <summary>Longest string (in UTF-16 characters) written quoted; longer ones become literals.</summary>
    public const int MaxQuoted = 1024;

    /// <summary>
    /// Appends <paramref name="s"/> as an IMAP string: quoted (<c>"..."</c>, escaping <c>\</c> and <c>"</c>) when it is
    /// at most <see cref="MaxQuoted"/> characters, has no CR, LF or NUL and is 7-bit (or UTF-8 when <paramref name="utf8"/>
    /// is true, RFC 6855 UTF8=ACCEPT); otherwise a synchronizing literal <c>{n}\r\n</c> followed by the string, with n
    /// counted in UTF-8 octets.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="sb"/> or <paramref name="s"/> is null.</exception>
    public static void AppendString(StringBuilder sb, string s, bool utf8 = false)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(s);
        if (CanQuote(s, utf8))
        {
            sb.Append('"');
            foreach (var c in s)
            {
                // RFC 9051 §4.3: quoted-specials are escaped with a backslash.
                if (c is '"' or '\\')
                    sb.Append('\\');
                sb.Append(c);
            }
            sb.Append('"');
            return;
        }
        // RFC 9051 §4.3: a literal's count is in octets.
        sb.Append('{').Append(Encoding.UTF8.GetByteCount(s)).Append("}\r\n").Append(s);
    }

    /// <summary>Appends <paramref name="s"/> as an IMAP nstring: <c>NIL</c> when it is null, else as <see cref="AppendString"/> does.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="sb"/> is null.</exception>
    public static void AppendNString(StringBuilder sb, string? s, bool utf8 = false)
    {
        ArgumentNullException.ThrowIfNull(sb);
        if (s is null)
            sb.Append("NIL");
        else
            AppendString(sb, s, utf8);
    }

    /// <summary>
    /// An nstring whose line breaks are removed first (a space is put where the next line does not start with
    /// whitespace), as Dovecot writes unstructured header values such as Date and Message-ID in ENVELOPE.
    /// </summary>
    internal static void AppendNStringWithoutLineBreaks(StringBuilder sb, string? s)
    {
        if (s is null || s.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            AppendNString(sb, s);
            return;
        }
        var text = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\r' or '\n'))
                text.Append(s[i]);
            else if (i + 1 < s.Length && s[i + 1] is not (' ' or '\t' or '\r' or '\n'))
                text.Append(' ');
        }
        AppendString(sb, text.ToString());
    }

    /// <summary>
    /// A string for people to read (an ENVELOPE subject or display name): runs of whitespace and line breaks become
    /// one space and leading and trailing whitespace is dropped, as Dovecot writes them.
    /// </summary>
    internal static void AppendStringForHumans(StringBuilder sb, string s)
    {
        var text = new StringBuilder(s.Length);
        var lastSpace = true;
        foreach (var c in s)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (!lastSpace)
                    text.Append(' ');
                lastSpace = true;
            }
            else
            {
                text.Append(c);
                lastSpace = false;
            }
        }
        if (text.Length > 0 && text[^1] == ' ')
            text.Length--;
        AppendString(sb, text.ToString());
    }

    private static bool CanQuote(string s, bool utf8)
    {
        if (s.Length > MaxQuoted)
            return false;
        foreach (var c in s)
        {
            // RFC 9051 §4.3: QUOTED-CHAR excludes CR and LF; NUL is never allowed outside literal8.
            if (c is '\r' or '\n' or '\0')
                return false;
            if (c > 0x7F && !utf8)
                return false;
        }
        return true;
    }
}
