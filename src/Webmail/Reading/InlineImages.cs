using MimeKit;

namespace Webmail.Reading;

/// <summary>
/// Resolves <c>cid:</c> references (RFC 2392) in an HTML body to <c>data:</c> URLs of the message's own
/// image parts, so the body document carries its pictures itself.
/// </summary>
/// <remarks>
/// The body is shown in an iframe sandboxed without <c>allow-same-origin</c>: its origin is opaque, so
/// the browser treats every request it makes as cross-site and sends no <c>SameSite=Strict</c> sign-in
/// cookie. A <c>cid:</c> picture pointing at the attachment URL was answered with a redirect to the
/// sign-in page and never showed. Embedding the bytes needs no request at all, and the body's policy
/// (<c>img-src data:</c>) already allows it. Only raster images are embedded, under their own type; and
/// because a hostile message can name one large part a thousand times, the embedded bytes of a document
/// are capped at <see cref="MaxEmbeddedBytes"/> — references past the cap are dropped like unknown ones.
/// </remarks>
public sealed class InlineImages(IReadOnlyList<MimePart> parts)
{
    /// <summary>The most decoded image bytes one body document embeds (every reference counts).</summary>
    public const long MaxEmbeddedBytes = 25L * 1024 * 1024;

    private readonly Dictionary<int, string?> _dataUrls = [];
    private long _embedded;

    /// <summary>The <c>data:</c> URL for the part whose Content-ID is <paramref name="contentId"/>; null when there is none, it is no raster image, or the cap is reached.</summary>
    public string? Resolve(string contentId)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            if (!string.Equals(parts[i].ContentId, contentId, StringComparison.Ordinal))
                continue;
            var url = DataUrl(i);
            if (url is null || _embedded + BytesOf(url) > MaxEmbeddedBytes)
                return null;
            _embedded += BytesOf(url);
            return url;
        }
        return null;
    }

    private string? DataUrl(int index)
    {
        if (_dataUrls.TryGetValue(index, out var cached))
            return cached;
        var part = parts[index];
        var type = part.ContentType.MimeType.ToLowerInvariant();
        string? url = null;
        if (part.Content is not null && new AttachmentInfo(index, "", type, 0).IsPreviewableImage)
        {
            using var decoded = new MemoryStream();
            part.Content.DecodeTo(decoded);
            if (decoded.Length <= MaxEmbeddedBytes)
                url = "data:" + type + ";base64," + Convert.ToBase64String(decoded.GetBuffer(), 0, (int)decoded.Length);
        }
        _dataUrls[index] = url;
        return url;
    }

    // The decoded size, near enough: three bytes for every four base64 characters.
    private static long BytesOf(string dataUrl) => (dataUrl.Length - dataUrl.IndexOf(',', StringComparison.Ordinal)) / 4 * 3;
}
