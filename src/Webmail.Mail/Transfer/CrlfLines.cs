namespace Webmail.Mail.Transfer;

/// <summary>Line ends for stored messages: files on disk (Maildir, mbox) end lines with LF; a stored message with CRLF (RFC 5322 §2.1).</summary>
public static class CrlfLines
{
    /// <summary>The bytes with every bare LF made CRLF; the same array when there is none.</summary>
    public static byte[] Normalize(byte[] raw)
    {
        var bare = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\n' && (i == 0 || raw[i - 1] != (byte)'\r'))
                bare++;
        }
        if (bare == 0)
            return raw;
        var result = new byte[raw.Length + bare];
        var o = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\n' && (i == 0 || raw[i - 1] != (byte)'\r'))
                result[o++] = (byte)'\r';
            result[o++] = raw[i];
        }
        return result;
    }
}
