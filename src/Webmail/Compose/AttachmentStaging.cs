using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;

namespace Webmail.Compose;

/// <summary>
/// Temp files for attachments being composed, under <c>&lt;data&gt;/compose-uploads</c>. Uploads are
/// copied in small chunks from the browser's stream to disk, so a large file is never held in
/// memory; each composer owns one folder and removes it when it goes away.
/// </summary>
public sealed class AttachmentStaging(DataPaths paths, ILogger<AttachmentStaging> logger)
{
    private const int ChunkSize = 64 * 1024;

    public string Root => Path.Combine(paths.DataDirectory, "compose-uploads");

    /// <summary>A new folder for one composer.</summary>
    public string CreateSession()
    {
        var folder = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        DataDirectoryPermissions.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Copies <paramref name="source"/> into the session folder, reporting the bytes copied so far.</summary>
    public async Task<ComposeAttachment> StageAsync(string session, Stream source, string fileName, string contentType, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var path = Path.Combine(session, id);
        long total = 0;
        var complete = false;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = ChunkSize, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = DataDirectoryPermissions.FileMode;
            await using var target = new FileStream(path, options);
            var buffer = new byte[ChunkSize];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
                progress?.Report(total);
            }
            complete = true;
        }
        finally
        {
            // A cancelled or failed upload leaves nothing behind.
            if (!complete)
                File.Delete(path);
        }
        return new ComposeAttachment(id, SafeFileName(fileName), string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType, total, path);
    }

    public void Remove(ComposeAttachment attachment) => File.Delete(attachment.Path);

    /// <summary>Deletes the session folder and its files.</summary>
    public void DeleteSession(string session)
    {
        try
        {
            if (Directory.Exists(session))
                Directory.Delete(session, recursive: true);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Could not remove compose upload folder {Folder}", session);
        }
    }

    /// <summary>Removes folders left by composers that never closed cleanly (a crash, a kill).</summary>
    public void DeleteStale(TimeSpan olderThan)
    {
        if (!Directory.Exists(Root))
            return;
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            if (Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow - olderThan)
                DeleteSession(folder);
        }
    }

    /// <summary>File names from browsers are display names only: strip paths and control characters.</summary>
    public static string SafeFileName(string name)
    {
        var file = Path.GetFileName((name ?? "").Replace('\\', '/'));
        file = new string(file.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return file.Length == 0 ? "attachment" : file;
    }
}
