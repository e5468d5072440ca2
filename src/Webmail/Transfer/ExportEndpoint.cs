using Webmail.Auth;
using Webmail.Core.Storage;
using Webmail.Mail.Transfer;

namespace Webmail.Transfer;

/// <summary>
/// <c>GET /export?format=mbox|zip[&amp;folder=ID]</c>: the signed-in account's folder (or all of it) as a
/// download, streamed as it is read (<see cref="MailboxExporter"/>). Another account's folder answers 404
/// as a missing one does.
/// </summary>
public static class ExportEndpoint
{
    public const string Path = "/export";

    public static string Url(ExportFormat format, long? folderId) =>
        $"{Path}?format={(format == ExportFormat.Mbox ? "mbox" : "zip")}" + (folderId is { } id ? $"&folder={id}" : "");

    public static IEndpointRouteBuilder MapExportEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, ExportAsync).RequireAuthorization();
        return endpoints;
    }

    private static async Task ExportAsync(HttpContext context, IMailboxReader mailbox, IDirectoryStore directory, MailboxExporter exporter, ILoggerFactory loggers)
    {
        var accountId = context.User.GetAccountId();
        var format = context.Request.Query["format"].ToString() switch
        {
            "mbox" => ExportFormat.Mbox,
            "zip" => ExportFormat.Zip,
            _ => (ExportFormat?)null,
        };
        long? folderId = null;
        if (context.Request.Query.TryGetValue("folder", out var folderText) && folderText.ToString().Length > 0)
        {
            if (!long.TryParse(folderText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                format = null;
            folderId = parsed;
        }
        if (format is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("format is mbox or zip; folder a folder id", context.RequestAborted);
            return;
        }
        var folder = folderId is { } id ? await mailbox.GetFolderAsync(accountId, id, context.RequestAborted) : null;
        var account = await directory.GetAccountAsync(accountId, context.RequestAborted);
        if ((folderId is not null && folder is null) || account is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var name = MailboxExporter.FileName(account.Address, folder, format.Value);
        context.Response.ContentType = format == ExportFormat.Mbox ? "application/mbox" : "application/zip";
        context.Response.Headers.ContentDisposition = Reading.DownloadFileName.ContentDisposition(name);
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "private, no-store";
        // ZipArchive writes some of its headers with synchronous calls, which Kestrel refuses by default.
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        var count = await exporter.ExportAsync(accountId, folderId, format.Value, context.Response.Body, progress: null, context.RequestAborted);
        loggers.CreateLogger(typeof(ExportEndpoint)).LogInformation("Exported {Count} messages of account {AccountId} as {Format}", count, accountId, format);
    }
}
