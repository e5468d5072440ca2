using System.IO.Compression;
using System.Runtime.CompilerServices;
using Webmail.Core.Model;

namespace Webmail.Mail.Transfer;

/// <summary>
/// A zip of <c>.eml</c> files (one message each, as Outlook, Thunderbird and this server's export write
/// them). A directory in an entry's name is the folder (<c>Work/Clients/1.eml</c>), the top level the
/// inbox. The zip is bounded before anything is read (<see cref="ImportZip"/>): entries, the uncompressed
/// total, each entry's size and compression ratio (a zip bomb's is in the thousands); an entry is read
/// through a counting bound, so a size the zip lies about stops at the limit too. Names with <c>..</c>, a
/// root or a drive are refused (nothing is written to disk from such a zip; the names only pick folders).
/// </summary>
public sealed class EmlZipSource(string path) : ImportSource
{
    public override string Kind => "eml";

    public override Task<long?> CountAsync(ImportLimits limits, CancellationToken cancellationToken)
    {
        using var zip = ImportZip.Open(path, limits);
        return Task.FromResult<long?>(zip.Entries.Count(IsMessage));
    }

    public override async IAsyncEnumerable<ImportItem> ReadAsync(ImportLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var zip = ImportZip.Open(path, limits);
        foreach (var entry in zip.Entries.Where(IsMessage))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = ImportZip.Shown(entry.FullName);
            if (ImportZip.SafePath(entry.FullName) is not { } folderPath)
            {
                yield return ImportItem.Failed($"{name}: refused, the name leaves the zip (.., a root or a drive)");
                continue;
            }
            if (entry.Length > limits.MaxMessageSize)
            {
                yield return ImportItem.Failed($"{name}: larger than the {Core.ByteSize.FormatCompact(limits.MaxMessageSize)} message size limit");
                continue;
            }
            if (ImportZip.IsBomb(entry, limits))
            {
                yield return ImportItem.Failed($"{name}: refused, compressed {entry.Length / entry.CompressedLength:N0} to 1 (a zip bomb?)");
                continue;
            }
            var raw = await ImportZip.ReadBoundedAsync(entry, limits.MaxMessageSize, cancellationToken).ConfigureAwait(false);
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

    private static bool IsMessage(ZipArchiveEntry entry) => entry.FullName.EndsWith(".eml", StringComparison.OrdinalIgnoreCase) && !entry.FullName.EndsWith('/');
}
