using MimeKit;

namespace Webmail.Mail.Filters;

/// <summary>
/// The message as the pipeline will store it, shared by every recipient's Sieve run: parsed once, and only when a
/// recipient has an active script.
/// </summary>
public sealed class ArrivingMessage(byte[] raw)
{
    private MimeMessage? _mime;

    /// <summary>The bytes as stored (trace headers included).</summary>
    public byte[] Raw => raw;

    public MimeMessage Mime
    {
        get
        {
            if (_mime is null)
            {
                using var stream = new MemoryStream(raw, writable: false);
                _mime = MimeMessage.Load(stream);
            }
            return _mime;
        }
    }
}
