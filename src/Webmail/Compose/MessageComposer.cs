using System.Globalization;
using System.Net;
using Ganss.Xss;
using MimeKit;
using MimeKit.Utils;
using Webmail.Core.Model;

namespace Webmail.Compose;

/// <summary>
/// Turns a <see cref="ComposeModel"/> into a <see cref="MimeMessage"/>: From with the account's
/// display name, checked address fields, threading headers, a text body or a
/// multipart/alternative (RFC 2046 §5.1.4) with sanitized HTML, and the staged attachments
/// streamed from their temp files.
/// </summary>
public static class MessageComposer
{
    /// <summary>How composed messages are written for storage and submission: CRLF line ends (RFC 5322 §2.3),
    /// whatever the platform's default (MimeKit's default on Linux is LF).</summary>
    public static readonly FormatOptions StorageFormat = new() { NewLineFormat = NewLineFormat.Dos };

    /// <summary>Headers that only drafts carry, so reopening one restores the composer exactly.</summary>
    public const string DraftToHeader = "X-Webmail-Draft-To";
    public const string DraftCcHeader = "X-Webmail-Draft-Cc";
    public const string DraftBccHeader = "X-Webmail-Draft-Bcc";
    public const string DraftModeHeader = "X-Webmail-Draft-Mode";
    public const string DraftOriginalHeader = "X-Webmail-Draft-Original";

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <param name="asDraft">
    /// True for a draft: invalid addresses are kept (in the draft-only headers) instead of refused,
    /// and no recipient is required.
    /// </param>
    /// <exception cref="ComposeException">A field contains CR/LF/NUL, an address is invalid, or there is no recipient.</exception>
    public static MimeMessage Build(Account sender, ComposeModel model, bool asDraft, string hostname)
    {
        HeaderGuard.Require(model.To, "To");
        HeaderGuard.Require(model.Cc, "Cc");
        HeaderGuard.Require(model.Bcc, "Bcc");
        HeaderGuard.Require(model.Subject, "Subject");
        HeaderGuard.Require(sender.DisplayName, "From");
        foreach (var attachment in model.Attachments)
            HeaderGuard.Require(attachment.FileName, "attachment name");

        var to = AddressField.Parse(model.To);
        var cc = AddressField.Parse(model.Cc);
        var bcc = AddressField.Parse(model.Bcc);
        if (!asDraft)
        {
            var invalid = to.Invalid.Concat(cc.Invalid).Concat(bcc.Invalid).ToList();
            if (invalid.Count > 0)
                throw new ComposeException("Not a valid address: " + string.Join(", ", invalid));
            if (to.Valid.Count + cc.Valid.Count + bcc.Valid.Count == 0)
                throw new ComposeException("Add at least one recipient.");
        }

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(sender.DisplayName, sender.Address));
        message.To.AddRange(to.Valid);
        message.Cc.AddRange(cc.Valid);
        // Bcc stays in the message handed to the submitter, which takes it into the envelope and
        // removes the header before anyone else sees the message (RFC 5322 §3.6.3).
        message.Bcc.AddRange(bcc.Valid);
        message.Subject = model.Subject.Trim();
        message.Date = DateTimeOffset.Now;
        message.MessageId = MimeUtils.GenerateMessageId(string.IsNullOrWhiteSpace(hostname) ? "localhost" : hostname);
        if (!string.IsNullOrEmpty(model.InReplyTo))
            message.InReplyTo = model.InReplyTo;
        foreach (var reference in model.References)
            message.References.Add(reference);

        if (asDraft)
            AddDraftHeaders(message, model.To, model.Cc, model.Bcc, model.Mode, model.OriginalId);

        message.Body = BuildBody(model);
        return message;
    }

    /// <summary>
    /// Turns a message composed for sending (held for undo send) back into a draft: the same bytes plus the draft-only
    /// headers, so <c>ComposeService.OpenDraftAsync</c> restores it like any other draft.
    /// </summary>
    public static void MakeDraft(MimeMessage message, ComposeMode mode, long? originalId) =>
        AddDraftHeaders(message, message.To.ToString(), message.Cc.ToString(), message.Bcc.ToString(), mode, originalId);

    private static void AddDraftHeaders(MimeMessage message, string to, string cc, string bcc, ComposeMode mode, long? originalId)
    {
        message.Headers.Add(DraftToHeader, to);
        message.Headers.Add(DraftCcHeader, cc);
        message.Headers.Add(DraftBccHeader, bcc);
        message.Headers.Add(DraftModeHeader, mode.ToString());
        if (originalId is { } original)
            message.Headers.Add(DraftOriginalHeader, original.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Sanitized HTML for a rich body: formatting and links only, no scripts, styles or remote images.</summary>
    public static string SanitizeHtml(string html) => Sanitizer.Sanitize(html ?? "");

    /// <summary>Plain text shown as HTML: escaped, line breaks kept.</summary>
    public static string TextToHtml(string text) =>
        WebUtility.HtmlEncode(text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);

    private static MimeEntity BuildBody(ComposeModel model)
    {
        var safeHtml = model.Rich ? SanitizeHtml(model.Html) : "";
        // A rich message's text alternative is made from its HTML here, not taken from the editor's innerText, which
        // drops the quote markers of a reply's blockquote (RFC 3676 §4.5: the quoted original is "> "-prefixed).
        var text = new TextPart("plain") { Text = Normalize(model.Rich ? MessageText.RichToText(safeHtml) : model.Body) };
        MimeEntity body = text;
        if (model.Rich)
        {
            var html = new TextPart("html") { Text = "<!DOCTYPE html><html><body>" + safeHtml + "</body></html>" };
            body = new MultipartAlternative { text, html };
        }
        if (model.Attachments.Count == 0)
            return body;

        var mixed = new Multipart("mixed") { body };
        foreach (var attachment in model.Attachments)
        {
            var contentType = ContentType.TryParse(attachment.ContentType, out var parsed) ? parsed : new ContentType("application", "octet-stream");
            // The content is read from the temp file only while the message is written out.
            mixed.Add(new MimePart(contentType)
            {
                Content = new MimeContent(File.OpenRead(attachment.Path)),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = attachment.FileName,
            });
        }
        return mixed;
    }

    private static string Normalize(string text) => (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    private static HtmlSanitizer CreateSanitizer()
    {
        // Formatting, lists, links, and the structure a quoted message needs (tables, headings, quotes); no styles,
        // images or attributes but href. Other elements go but keep their text, except those whose text is code.
        var sanitizer = new HtmlSanitizer { KeepChildNodes = true };
        sanitizer.AllowedTags.Clear();
        foreach (var tag in new[] { "b", "strong", "i", "em", "u", "ul", "ol", "li", "a", "p", "div", "br", "span", "blockquote",
                     "table", "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "code", "hr" })
            sanitizer.AllowedTags.Add(tag);
        sanitizer.AllowedAttributes.Clear();
        sanitizer.AllowedAttributes.Add("href");
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto" })
            sanitizer.AllowedSchemes.Add(scheme);
        sanitizer.AllowedCssProperties.Clear();
        sanitizer.RemovingTag += (_, e) =>
        {
            if (e.Tag.LocalName is "script" or "style" or "head" or "title" or "template" or "noscript" or "textarea" or "select" or "svg" or "math" or "iframe" or "object")
                e.Tag.TextContent = "";
        };
        return sanitizer;
    }
}
