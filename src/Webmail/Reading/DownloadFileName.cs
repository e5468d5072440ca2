using System.Globalization;
using System.Text;

namespace Webmail.Reading;

/// <summary>Makes an attachment's name safe to hand to the browser and builds its Content-Disposition.</summary>
public static class DownloadFileName
{
    /// <summary>
    /// Keeps only the last path segment and drops control characters and the Unicode bidi
    /// controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) that disguise an extension
    /// ("invoice‮fdp.exe").
    /// </summary>
    public static string Clean(string? name, string fallback = "attachment")
    {
        var value = name ?? "";
        var slash = Math.Max(value.LastIndexOf('/'), value.LastIndexOf('\\'));
        if (slash >= 0)
            value = value[(slash + 1)..];
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsControl(c) || IsBidiControl(c) || c is ':' or '*' or '?' or '"' or '<' or '>' or '|')
                continue;
            builder.Append(c);
        }
        var cleaned = builder.ToString().Trim().Trim('.').Trim();
        return cleaned.Length == 0 ? fallback : cleaned;
    }

    /// <summary>
    /// RFC 6266 §4.3: an ASCII <c>filename</c> fallback plus <c>filename*</c> in the RFC 8187
    /// <c>UTF-8''</c> encoding for the real name.
    /// </summary>
    public static string ContentDisposition(string fileName, bool inline = false)
    {
        var ascii = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
            ascii.Append(c is >= ' ' and < (char)127 and not '"' and not '\\' and not '%' ? c : '_');
        return string.Create(CultureInfo.InvariantCulture,
            $"{(inline ? "inline" : "attachment")}; filename=\"{ascii}\"; filename*=UTF-8''{Rfc8187Encode(fileName)}");
    }

    private static bool IsBidiControl(char c) =>
        c is '\u200E' or '\u200F' or '\u061C' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    // RFC 8187 §3.2.1: attr-char is ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else is %-encoded UTF-8.
    private static string Rfc8187Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "!#$&+-.^_`|~".Contains(c, StringComparison.Ordinal))
                builder.Append(c);
            else
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}
