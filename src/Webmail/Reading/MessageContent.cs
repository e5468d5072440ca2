using MimeKit;

namespace Webmail.Reading;

/// <summary>What the reading pane shows of one message, parsed from its stored bytes.</summary>
public sealed record MessageContent(
    long MessageId,
    IReadOnlyList<MailboxAddress> From,
    IReadOnlyList<MailboxAddress> To,
    IReadOnlyList<MailboxAddress> Cc,
    IReadOnlyList<MailboxAddress> ReplyTo,
    DateTimeOffset? Date,
    string Subject,
    string? TextBody,
    bool HasHtmlBody,
    bool HasRemoteContent,
    IReadOnlyList<AttachmentInfo> Attachments,
    JunkExplanation? Junk = null,
    Invites.CalendarInvite? Invite = null);

/// <summary>One attachment: <see cref="Index"/> is its position among the message's MIME leaf parts, the key of its download URL.</summary>
public sealed record AttachmentInfo(int Index, string FileName, string ContentType, long Size)
{
    /// <summary>Raster images the browser can show inline as images (never SVG, which can carry script).</summary>
    public bool IsPreviewableImage => ContentType is "image/png" or "image/jpeg" or "image/gif" or "image/webp" or "image/bmp";

    /// <summary>A PDF: opened in the browser's own viewer in a new tab, served inert (<see cref="MailEndpoints.AttachmentPolicy"/>).</summary>
    public bool IsPdf => ContentType is "application/pdf";

    /// <summary>Served inline on <c>?inline=1</c>: raster images and PDFs; every other type only ever downloads.</summary>
    public bool IsViewableInline => IsPreviewableImage || IsPdf;
}
