using System.Text;

namespace Webmail.Core.Security;

/// <summary>
/// Bounds text a client sent before it is written to a log or the audit table: anything a user
/// types could otherwise be megabytes long or carry line breaks that forge log lines.
/// </summary>
public static class LogText
{
    /// <summary>The longest address worth recording (RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its brackets).</summary>
    public const int MaxAddress = 254;

    /// <summary>
    /// <paramref name="text"/> with control characters replaced by <c>?</c> and, past
    /// <paramref name="max"/> characters, cut with a marker saying how much was left out.
    /// </summary>
    public static string Bound(string? text, int max = MaxAddress)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var clean = text.Length <= max && !HasControl(text);
        if (clean)
            return text;
        var kept = Math.Min(text.Length, max);
        // Never split a surrogate pair.
        if (kept < text.Length && kept > 0 && char.IsHighSurrogate(text[kept - 1]))
            kept--;
        var builder = new StringBuilder(kept + 24);
        for (var i = 0; i < kept; i++)
            builder.Append(char.IsControl(text[i]) ? '?' : text[i]);
        if (kept < text.Length)
            builder.Append("…(+").Append(text.Length - kept).Append(" chars)");
        return builder.ToString();
    }

    private static bool HasControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
                return true;
        }
        return false;
    }
}
