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
