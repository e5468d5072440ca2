using MimeKit;

namespace Webmail.Sieve;

/// <summary>
/// The message a script looks at: a parsed <see cref="MimeMessage"/> and its size in octets
/// (the size test compares the message as stored, which the parse does not keep).
/// </summary>
public sealed class SieveMessage
{
    public SieveMessage(MimeMessage message, long size)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Message = message;
        Size = size;
    }

    /// <summary>The parsed message the tests read.</summary>
    public MimeMessage Message { get; }

    /// <summary>The message size in octets (RFC 5228 §5.9).</summary>
    public long Size { get; }

    /// <summary>Parses a whole message held in memory; its length is the size.</summary>
    public static SieveMessage Parse(byte[] octets)
    {
        ArgumentNullException.ThrowIfNull(octets);
        using var stream = new MemoryStream(octets, writable: false);
        return new SieveMessage(MimeMessage.Load(stream), octets.LongLength);
    }
}
