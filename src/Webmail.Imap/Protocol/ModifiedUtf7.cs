using System.Text;

namespace Webmail.Imap.Protocol;

/// <summary>
/// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3), used with IMAP4rev1 clients; IMAP4rev2 and
/// UTF8=ACCEPT clients get UTF-8 names instead (RFC 9051 §5.1).
/// </summary>
public static class ModifiedUtf7
{
    public static string Encode(string name)
    {
        var sb = new StringBuilder(name.Length);
        var run = new StringBuilder();
        foreach (var c in name)
        {
            if (c is >= (char)0x20 and <= (char)0x7E)
            {
                FlushRun(sb, run);
                sb.Append(c == '&' ? "&-" : c.ToString());
            }
            else
            {
                run.Append(c);
            }
        }
        FlushRun(sb, run);
        return sb.ToString();

        static void FlushRun(StringBuilder sb, StringBuilder run)
        {
            if (run.Length == 0)
                return;
            var bytes = Encoding.BigEndianUnicode.GetBytes(run.ToString());
            sb.Append('&').Append(Convert.ToBase64String(bytes).TrimEnd('=').Replace('/', ',')).Append('-');
            run.Clear();
        }
    }

    /// <summary>Decodes a name; false when it is not valid modified UTF-7.</summary>
    public static bool TryDecode(string encoded, out string name)
    {
        var sb = new StringBuilder(encoded.Length);
        name = encoded;
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c > 0x7E)
                return false;
            if (c != '&')
            {
                sb.Append(c);
                continue;
            }
            var end = encoded.IndexOf('-', i + 1);
            if (end < 0)
                return false;
            if (end == i + 1)
            {
                sb.Append('&');
                i = end;
                continue;
            }
            var base64 = encoded[(i + 1)..end].Replace(',', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                return false;
            }
            if (bytes.Length % 2 != 0)
                return false;
            sb.Append(Encoding.BigEndianUnicode.GetString(bytes));
            i = end;
        }
        name = sb.ToString();
        return true;
    }
}
