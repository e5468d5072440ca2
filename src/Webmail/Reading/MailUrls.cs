using System.Globalization;

namespace Webmail.Reading;

/// <summary>
/// The URLs of the mail endpoints (<see cref="MailEndpoints"/>), built in one place, and the one
/// definition of their yes/no query flags: the builder writes them and the endpoints read them here.
/// </summary>
public static class MailUrls
{
    /// <summary>The path every mail endpoint lives under.</summary>
    public const string Prefix = "/mail/messages";

    /// <summary>The body's flag: remote images and CSS may load (the user pressed "Show remote content").</summary>
    public const string RemoteFlag = "remote";

    /// <summary>The attachment's flag: a raster image or a PDF is served inline (thumbnails, the lightbox, the browser's PDF viewer).</summary>
    public const string InlineFlag = "inline";

    /// <summary>How a flag that is on is written: <c>?inline=1</c>.</summary>
    public const string FlagOn = "1";

    /// <summary>The sanitized body document; with <paramref name="allowRemote"/>, remote images are kept and allowed.</summary>
    public static string Body(long messageId, bool allowRemote) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/body") + (allowRemote ? Flag(RemoteFlag) : "");

    /// <summary>"View source": the stored bytes as text.</summary>
    public static string Source(long messageId) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/source");

    /// <summary>The stored bytes as an .eml download.</summary>
    public static string Eml(long messageId) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/eml");

    /// <summary>The MIME leaf part <paramref name="index"/> as a download.</summary>
    public static string Attachment(long messageId, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}/{messageId}/attachments/{index}");

    /// <summary>An image attachment shown inline, only ever as an image.</summary>
    public static string InlineImage(long messageId, int index) => Inline(messageId, index);

    /// <summary>An attachment the browser shows itself (an image, a PDF in its viewer); any other type still downloads.</summary>
    public static string Inline(long messageId, int index) => Attachment(messageId, index) + Flag(InlineFlag);

    /// <summary>
    /// Whether the flag <paramref name="name"/> is on in <paramref name="request"/>'s query. <c>1</c> (as
    /// written here) and <c>true</c> mean on; anything else, or no value, means off — never an error, so a
    /// mangled link degrades to the safe answer (a download, remote content blocked) instead of a 400.
    /// </summary>
    public static bool IsFlagSet(HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = request.Query[name];
        return values.Count == 1 && (values[0] == FlagOn || string.Equals(values[0], "true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// A message or folder id as written in a URL (<c>?draft=42</c>, <c>?replyTo=42</c>): ASCII digits only,
    /// 1 to <see cref="long.MaxValue"/>. Anything else (<c>abc</c>, <c>1e3</c>, <c>-1</c>, an overflowing
    /// number) is null, which callers treat as a message that does not exist, never as an error.
    /// </summary>
    public static long? ParseId(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;

    private static string Flag(string name) => "?" + name + "=" + FlagOn;
}
