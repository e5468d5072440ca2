using System.Globalization;
using System.Text;

namespace Webmail.Core.Security;

/// <summary>
/// Makes text a client sent (user names, command arguments, addresses) safe to write to a log, the
/// audit log or any other record: bounded in length and without control characters, so a megabyte
/// argument cannot fill the disk and an escape sequence or a CR/LF cannot forge log lines.
/// </summary>
public static class LogText
{
    /// <summary>A bound for one-line values such as user names and addresses (RFC 5321 §4.5.3.1.3: a path is at most 256 octets).</summary>
    public const int DefaultMax = 256;

    /// <summary>
    /// Returns <paramref name="value"/> with control characters (C0, DEL, C1, U+2028/U+2029 and the
    /// bidirectional overrides) and the backslash written as <c>\xNN</c> / <c>\uNNNN</c> / <c>\\</c>, and cut
    /// after <paramref name="max"/> characters of that escaped form with a marker saying how much of the
    /// original was left out: <c>abc...[+1048573 chars]</c>. <c>null</c> becomes the empty string. Text
    /// that is short and printable is returned unchanged (the same instance).
    /// </summary>
    /// <param name="value">Text from a client.</param>
    /// <param name="max">Most characters kept before the marker; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is less than 1.</exception>
    public static string Bound(string? value, int max = DefaultMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (string.IsNullOrEmpty(value))
            return "";
        if (value.Length <= max && !value.AsSpan().ContainsAny(Escaped))
            return value;

        var sb = new StringBuilder(Math.Min(value.Length, max) + 24);
        var i = 0;
        for (; i < value.Length; i++)
        {
            var c = value[i];
            var escaped = Escape(c);
            var width = escaped?.Length ?? (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1);
            if (sb.Length + width > max)
                break;
            if (escaped is not null)
                sb.Append(escaped);
            else
            {
                sb.Append(value, i, width);
                i += width - 1;
            }
        }
        if (i < value.Length)
            sb.Append("...[+").Append((value.Length - i).ToString(CultureInfo.InvariantCulture)).Append(" chars]");
        return sb.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Escaped = System.Buffers.SearchValues.Create(
        "\\\u007f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        + string.Concat(Enumerable.Range(0, 0x20).Select(c => (char)c))
        + string.Concat(Enumerable.Range(0x80, 0x20).Select(c => (char)c)));

    private static string? Escape(char c) => c switch
    {
        '\\' => "\\\\",
        < ' ' or '\u007f' => "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture),
        >= '\u0080' and <= '\u009f' => "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture),
        '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
        _ => null,
    };
}
