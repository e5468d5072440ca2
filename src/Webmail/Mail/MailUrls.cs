using System.Globalization;

namespace Webmail.Mail;

/// <summary>The URLs of the mail endpoints (<see cref="MailEndpoints"/>), built in one place.</summary>
public static class MailUrls
{
    public const string Prefix = "/mail/messages";

    public static string Body(long messageId, bool allowRemote) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/body{(allowRemote ? "?remote=1" : "")}");

    public static string Source(long messageId) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/source");

    public static string Eml(long messageId) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/eml");

    public static string Attachment(long messageId, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/attachments/{index}");

    /// <summary>An image attachment shown inline, only ever as an image.</summary>
    public static string InlineImage(long messageId, int index) => Attachment(messageId, index) + "?inline=1";
}
