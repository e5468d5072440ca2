using Microsoft.Net.Http.Headers;
using Webmail.Auth;
using Webmail.Core.Storage;

namespace Webmail.Reading;

/// <summary>
/// The HTTP side of reading mail: the sanitized body document for the sandboxed iframe, the raw
/// source, the .eml download and attachments. Every lookup is scoped to the signed-in account:
/// another account's message answers 404 exactly like a missing one.
/// </summary>
public static class MailEndpoints
{
    /// <summary>The body document may load only its own inline images (and, once allowed, remote images); no script, no frames, no fonts.</summary>
    public const string BodyPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'";
    public const string BodyPolicyWithRemote = "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self' https: http:";

    /// <summary>
    /// An attachment's policy, inline or not: a unique opaque origin (<c>sandbox</c> without <c>allow-scripts</c>, so a
    /// PDF's JavaScript, forms and links cannot act as this site) that may load nothing. The browser's PDF viewer
    /// still shows the document: it renders the bytes itself and is not the document's script (Chromium 156, checked
    /// headless). No policy turns off a PDF's own JavaScript in Chromium's viewer (PDFium runs it whatever the CSP), but
    /// it runs in the opaque origin and its ways to the network (submitForm, launchURL, getURL) reach nothing
    /// (Ux/PdfViewerFlowTests).
    /// </summary>
    public const string AttachmentPolicy = "sandbox; default-src 'none'";

    public static IEndpointRouteBuilder MapMailEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(MailUrls.Prefix).RequireAuthorization();
        group.MapGet("/{id:long}/body", BodyAsync);
        group.MapGet("/{id:long}/source", SourceAsync);
        group.MapGet("/{id:long}/eml", EmlAsync);
        group.MapGet("/{id:long}/attachments/{index:int}", AttachmentAsync);
        return endpoints;
    }

    // The flags are read through MailUrls, which writes them: a minimal-API bool binds only "true"/"false"
    // and answered 400 to the "?remote=1" and "?inline=1" the reading pane builds.
    private static async Task<IResult> BodyAsync(long id, HttpContext context, IMailboxReader store)
    {
        var remote = MailUrls.IsFlagSet(context.Request, MailUrls.RemoteFlag);
        var raw = await store.GetRawAsync(context.User.GetAccountId(), id, context.RequestAborted);
        var message = raw is null ? null : MessageReader.Load(raw);
        if (message is null)
            return TypedResults.NotFound();
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = remote ? BodyPolicyWithRemote : BodyPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "private, no-store";
        return TypedResults.Content(MessageReader.RenderHtmlDocument(id, message, remote), "text/html; charset=utf-8");
    }

    /// <summary>"View source": the stored bytes as text, never interpreted as HTML.</summary>
    private static async Task<IResult> SourceAsync(long id, HttpContext context, IMailboxReader store)
    {
        var stream = await store.OpenRawAsync(context.User.GetAccountId(), id, context.RequestAborted);
        if (stream is null)
            return TypedResults.NotFound();
        SetDownloadHeaders(context, null);
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        return TypedResults.Stream(stream, "text/plain; charset=utf-8");
    }

    private static async Task<IResult> EmlAsync(long id, HttpContext context, IMailboxReader store)
    {
        var account = context.User.GetAccountId();
        var summary = await store.GetSummaryAsync(account, id, context.RequestAborted);
        var stream = summary is null ? null : await store.OpenRawAsync(account, id, context.RequestAborted);
        if (stream is null)
            return TypedResults.NotFound();
        var name = DownloadFileName.Clean(summary!.Subject, "message");
        if (name.Length > 80)
            name = name[..80];
        SetDownloadHeaders(context, DownloadFileName.ContentDisposition(name + ".eml"));
        return TypedResults.Stream(stream, "message/rfc822");
    }

    private static async Task<IResult> AttachmentAsync(long id, int index, HttpContext context, IMailboxReader store)
    {
        var inline = MailUrls.IsFlagSet(context.Request, MailUrls.InlineFlag);
        var raw = await store.GetRawAsync(context.User.GetAccountId(), id, context.RequestAborted);
        var message = raw is null ? null : MessageReader.Load(raw);
        if (message is null)
            return TypedResults.NotFound();
        var parts = MessageReader.Parts(message);
        if (index < 0 || index >= parts.Count || parts[index].Content is null)
            return TypedResults.NotFound();
        var part = parts[index];
        var name = DownloadFileName.Clean(part.FileName, "attachment-" + (index + 1));
        var type = part.ContentType.MimeType.ToLowerInvariant();
        var info = new AttachmentInfo(index, name, type, 0);
        // Inline only ever as a raster image (previews, the lightbox) or a PDF (the browser's viewer in a new tab);
        // anything else (HTML, SVG, ...) is a download, under a type the browser will not render.
        var showInline = inline && info.IsViewableInline;
        SetDownloadHeaders(context, DownloadFileName.ContentDisposition(name, showInline));
        context.Response.Headers.ContentSecurityPolicy = AttachmentPolicy;
        var decoded = new MemoryStream();
        await part.Content!.DecodeToAsync(decoded, context.RequestAborted);
        decoded.Position = 0;
        return TypedResults.Stream(decoded, showInline ? type : "application/octet-stream");
    }

    private static void SetDownloadHeaders(HttpContext context, string? disposition)
    {
        var headers = context.Response.Headers;
        if (disposition is not null)
            headers[HeaderNames.ContentDisposition] = disposition;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "private, no-store";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
