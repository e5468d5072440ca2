using MimeKit;
using Webmail.Core.Messages;

namespace Webmail.Reading;

/// <summary>Turns stored RFC 5322 bytes into what the reading pane and the mail endpoints serve.</summary>
public static class MessageReader
{
    /// <summary>Parses stored bytes through <see cref="MimeInput"/> (bounded depth, parts and folding); null when unreadable.</summary>
    public static MimeMessage? Load(byte[] raw)
    {
        try
        {
            return MimeInput.Load(raw, MimeInput.DefaultMaxMimeDepth);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or NotSupportedException or IOException)
        {
            return null;
        }
    }

    /// <summary>The message's MIME leaf parts in document order; an attachment URL's index points into this list.</summary>
    public static IReadOnlyList<MimePart> Parts(MimeMessage message) => message.BodyParts.OfType<MimePart>().ToList();

    /// <param name="authservId">Our authserv-id (<c>Webmail:Hostname</c>): with it, what the filters wrote is read too (<see cref="JunkExplanation"/>).</param>
    public static MessageContent Read(long messageId, MimeMessage? message, string? authservId = null)
    {
        if (message is null)
            return new MessageContent(messageId, [], [], [], [], null, "", "This message could not be read.", false, false, []);

        var parts = Parts(message);
        var html = message.HtmlBody;
        var text = message.TextBody;
        var hasRemote = false;
        if (html is not null && !SafeHtml.IsWithinLimits(html))
        {
            // Too big or too deep to sanitize in bounded time: show text instead, never the raw HTML.
            text = SafeHtml.TooLargeNotice + "\n\n" + (string.IsNullOrWhiteSpace(text) ? MessageParser.HtmlToText(html) : text);
            html = null;
        }
        if (html is not null)
        {
            var safe = new SafeHtml(_ => null, allowRemote: false);
            safe.Sanitize(html);
            hasRemote = safe.HasRemoteContent;
        }
        var bodyParts = new HashSet<MimeEntity>();
        if (message.HtmlBody is not null && FindBodyPart(message, "html") is { } h)
            bodyParts.Add(h);
        if (FindBodyPart(message, "plain") is { } p)
            bodyParts.Add(p);

        var attachments = new List<AttachmentInfo>();
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (bodyParts.Contains(part))
                continue;
            // Inline images referenced from the HTML (cid:) are part of the body, not attachments.
            if (!part.IsAttachment && part.ContentId is not null && html is not null && html.Contains(part.ContentId, StringComparison.Ordinal))
                continue;
            if (!part.IsAttachment && part is TextPart)
                continue;
            var name = DownloadFileName.Clean(part.FileName, "attachment-" + (i + 1));
            attachments.Add(new AttachmentInfo(i, name, part.ContentType.MimeType.ToLowerInvariant(), DecodedSize(part)));
        }

        return new MessageContent(
            messageId,
            message.From.Mailboxes.ToList(),
            message.To.Mailboxes.ToList(),
            message.Cc.Mailboxes.ToList(),
            message.ReplyTo.Mailboxes.ToList(),
            message.Headers.Contains(HeaderId.Date) ? message.Date : null,
            message.Subject ?? "",
            html is null ? text ?? "" : text,
            html is not null,
            hasRemote,
            attachments,
            authservId is null ? null : JunkExplanation.From(message, authservId),
            Invites.CalendarInvite.From(parts));
    }

    /// <summary>The sanitized HTML body as a whole document for the sandboxed iframe (plain text escaped when there is no HTML).</summary>
    public static string RenderHtmlDocument(long messageId, MimeMessage message, bool allowRemote)
    {
        var safe = new SafeHtml(new InlineImages(Parts(message)).Resolve, allowRemote, foldQuotes: true);
        var body = message.HtmlBody is { } html
            ? safe.Sanitize(html)
            : "<pre style=\"white-space:pre-wrap;font:inherit\">" + System.Net.WebUtility.HtmlEncode(message.TextBody ?? "") + "</pre>";
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><base target=\"_blank\">"
            + "<style>body{margin:0;padding:8px 4px;font:14px/1.5 Roboto,'Helvetica Neue',Arial,sans-serif;color:#202124;word-wrap:break-word}"
            + "img{max-width:100%;height:auto}table{max-width:100%}blockquote{margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex}"
            // The "•••" of a folded quote (QuoteFolding): a native details toggle, no script.
            + "details.quoted{margin:8px 0}details.quoted>summary{list-style:none;display:inline-block;cursor:pointer;padding:0 8px;border-radius:8px;background:#e8eaed;color:#3c4043;font-size:12px;line-height:18px;letter-spacing:1px}"
            + "details.quoted>summary::-webkit-details-marker{display:none}details.quoted>summary:focus-visible{outline:2px solid #1a73e8}details.quoted[open]>summary{margin-bottom:8px}</style>"
            + "</head><body>" + body + "</body></html>";
    }

    private static MimeEntity? FindBodyPart(MimeMessage message, string subtype)
    {
        foreach (var part in message.BodyParts)
            if (part is TextPart text && !text.IsAttachment && text.ContentType.IsMimeType("text", subtype))
                return part;
        return null;
    }

    private static long DecodedSize(MimePart part)
    {
        if (part.Content is null)
            return 0;
        using var counter = new CountingStream();
        part.Content.DecodeTo(counter);
        return counter.Length;
    }
}
