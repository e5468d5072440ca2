namespace Webmail.Compose;

/// <summary>
/// Refuses CR, LF and NUL in any text that becomes a header field. RFC 5322 §2.2: a header field
/// is one logical line; a CR or LF from user input would start a new header (header injection,
/// e.g. a smuggled Bcc), and NUL is never allowed in a message (RFC 5322 §3.2.1 / RFC 5321 §4.1.1.4).
/// </summary>
public static class HeaderGuard
{
    public static bool IsSafe(string? value) => value is null || value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;

    /// <exception cref="ComposeException">The value contains CR, LF or NUL.</exception>
    public static void Require(string? value, string field)
    {
        if (!IsSafe(value))
            throw new ComposeException($"The {field} field cannot contain line breaks or NUL characters.");
    }
}
