using System.IO.Compression;
using System.Runtime.CompilerServices;
using Webmail.Core.Model;

namespace Webmail.Mail.Transfer;

/// <summary>
/// A zip of <c>.eml</c> files (one message each, as Outlook, Thunderbird and this server's export write
/// them). A directory in an entry's name is the folder (<c>Work/Clients/1.eml</c>), the top level the
/// inbox. The zip is bounded before anything is read: entries (<see cref="ImportLimits.MaxZipEntries"/>),
/// the uncompressed total, each entry's size and compression ratio (a zip bomb's is in the thousands);
/// an entry is read through a counting bound, so a size the zip lies about stops at the limit too. Names
/// with <c>..</c>, a root or a drive are refused (nothing is written to disk from a zip; the names only pick folders).
/// </summary>
public sealed class EmlZipSource(string path) : ImportSource
{
    public override string Kind => "eml";

    public override Task<long?> CountAsync(ImportLimits limits, CancellationToken cancellationToken)
    {
        using var zip = Open(limits);
        return Task.FromResult<long?>(zip.Entries.Count(IsMessage));
    }

    public override async IAsyncEnumerable<ImportItem> ReadAsync(ImportLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var zip = Open(limits);
        foreach (var entry in zip.Entries.Where(IsMessage))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Shown(entry.FullName);
            if (SafePath(entry.FullName) is not { } folderPath)
            {
                yield return ImportItem.Failed($"{name}: refused, the name leaves the zip (.., a root or a drive)");
                continue;
            }
            if (entry.Length > limits.MaxMessageSize)
            {
                yield return ImportItem.Failed($"{name}: larger than the {Core.ByteSize.FormatCompact(limits.MaxMessageSize)} message size limit");
                continue;
            }
            if (entry.CompressedLength > 0 && entry.Length / entry.CompressedLength > limits.MaxCompressionRatio && entry.Length > 1024 * 1024)
            {
                yield return ImportItem.Failed($"{name}: refused, compressed {entry.Length / entry.CompressedLength:N0} to 1 (a zip bomb?)");
                continue;
            }
            var raw = await ReadBoundedAsync(entry, limits.MaxMessageSize, cancellationToken).ConfigureAwait(false);
            if (raw is null)
            {
                yield return ImportItem.Failed($"{name}: unpacks to more than the {Core.ByteSize.FormatCompact(limits.MaxMessageSize)} message size limit");
                continue;
            }
            // The entry's time is the internal date (the export writes it there); a zip without times (1980) falls back to the Date field.
            var headers = MboxSource.ReadHeaders(raw);
            var date = entry.LastWriteTime.Year > 1980 ? entry.LastWriteTime : headers is null ? null : MboxSource.DateOf(headers);
            yield return new ImportItem([StandardNames.Folder(folderPath)], CrlfLines.Normalize(raw), MessageFlags.Seen, [], date);
        }
    }

    private ZipArchive Open(ImportLimits limits)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new ImportException("This is not a zip file (or it is damaged): " + e.Message, e);
        }
        var entries = zip.Entries.Count;
        if (entries > limits.MaxZipEntries)
        {
            zip.Dispose();
            throw new ImportException($"The zip has {entries:N0} entries; at most {limits.MaxZipEntries:N0} are imported at once.");
        }
        var total = zip.Entries.Sum(e => e.Length);
        if (total > limits.MaxZipBytes)
        {
            zip.Dispose();
            throw new ImportException($"The zip unpacks to {Core.ByteSize.FormatCompact(total)}; at most {Core.ByteSize.FormatCompact(limits.MaxZipBytes)} are imported at once.");
        }
        return zip;
    }

    private static bool IsMessage(ZipArchiveEntry entry) => entry.FullName.EndsWith(".eml", StringComparison.OrdinalIgnoreCase) && !entry.FullName.EndsWith('/');

    /// <summary>The folder levels of an entry name, or null when the name is not safe.</summary>
    internal static List<string>? SafePath(string fullName)
    {
        var name = fullName.Replace('\\', '/');
        if (name.StartsWith('/') || name.Contains(':') || name.Contains('\0'))
            return null;
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is ".." or "."))
            return null;
        return parts[..^1].ToList();
    }

    private static string Shown(string name) => name.Length <= 120 ? name : name[..119] + "…";

    private static async Task<byte[]?> ReadBoundedAsync(ZipArchiveEntry entry, long max, CancellationToken cancellationToken)
    {
        await using var stream = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream((int)Math.Min(entry.Length, max));
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
