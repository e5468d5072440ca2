using System.Text;

namespace Webmail.Core.Security;

/// <summary>The SASL PLAIN mechanism (RFC 4616): <c>[authzid] NUL authcid NUL passwd</c>, base64 encoded on the wire (RFC 5034).</summary>
public static class SaslPlain
{
    /// <summary>Decodes a client response.</summary>
    /// <returns>False when it is not base64 or not three NUL-separated parts, or names a different identity to act as.</returns>
    public static bool TryDecode(string base64, out string user, out string password)
    {
        user = password = "";
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            return false;
        }
        var parts = Encoding.UTF8.GetString(bytes).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
            return false;
        // Acting as another user (a non-empty authzid that differs) is not offered.
        if (parts[0].Length > 0 && !string.Equals(parts[0], parts[1], StringComparison.OrdinalIgnoreCase))
            return false;
        user = parts[1];
        password = parts[2];
        return true;
    }
}
