using System.Security.Cryptography;
using System.Text;

namespace Webmail.Imap.Session;

/// <summary>
/// OBJECTID (RFC 8474) identifiers: <c>objectid = 1*255(ALPHA / DIGIT / "_" / "-")</c>. A mailbox's is
/// its folder's row id and a message's its row id, neither reused and both kept by a rename or a move;
/// a thread's is derived from the conversation key the web UI groups by.
/// </summary>
public static class ObjectIds
{
    public static string Mailbox(long folderId) => "F" + folderId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Email(long messageId) => "M" + messageId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The thread of a conversation key (a message id of the thread's first message), or null for none.</summary>
    public static string? Thread(string conversationKey) =>
        conversationKey.Length == 0 ? null : "T" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(conversationKey)))[..24];
}
