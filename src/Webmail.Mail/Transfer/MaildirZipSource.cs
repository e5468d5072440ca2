using System.Runtime.CompilerServices;

namespace Webmail.Mail.Transfer;

/// <summary>
/// A zip of a Maildir tree (a Dovecot or Courier mail directory zipped up, with or without the folder around
/// it): unpacked into a directory of its own beside the zip (<see cref="WorkDirectoryOf"/>), then read by
/// <see cref="MaildirSource"/> — the CLI's Maildir import — so folders (Maildir++ <c>.Work.Clients</c> or
/// nested), flags (<c>:2,</c>), keywords (<c>dovecot-keywords</c>) and dates (the entry's time) come the same
/// way. The Maildir's root is the shallowest folder holding <c>cur</c> or <c>new</c>. Only messages (files
/// directly in <c>cur</c> or <c>new</c>) and <c>dovecot-keywords</c> are unpacked, through
/// <see cref="ImportZip"/>'s bounds: entry count and unpacked total before anything is written, each entry
/// read only up to the message size limit, the bytes written in all counted against the total, and names
/// with <c>..</c>, a root or a drive refused one by one, each an error of the import. The directory is
/// deleted when the import has read it.
/// </summary>
public sealed class MaildirZipSource(string path) : ImportSource
{
    private const string KeywordsFile = "dovecot-keywords";

    private string? _root;
    private readonly List<string> _refused = [];

    public override string Kind => "maildir";

    /// <summary>Where the zip at <paramref name="zipPath"/> is unpacked (deleted by the import, or by whoever cleans up after it).</summary>
    public static string WorkDirectoryOf(string zipPath) => zipPath + ".maildir";

    public override async Task<long?> CountAsync(ImportLimits limits, CancellationToken cancellationToken)
    {
        var root = await UnpackAsync(limits, cancellationToken).ConfigureAwait(false);
        return await new MaildirSource(root).CountAsync(limits, cancellationToken).ConfigureAwait(false) + _refused.Count;
    }

    public override async IAsyncEnumerable<ImportItem> ReadAsync(ImportLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var root = await UnpackAsync(limits, cancellationToken).ConfigureAwait(false);
            foreach (var refused in _refused)
                yield return ImportItem.Failed(refused);
            await foreach (var item in new MaildirSource(root).ReadAsync(limits, cancellationToken).ConfigureAwait(false))
                yield return item;
        }
        finally
        {
            DeleteWorkDirectory(path);
        }
    }

    /// <summary>Removes what an import of <paramref name="zipPath"/> unpacked, if anything is left.</summary>
    public static void DeleteWorkDirectory(string zipPath)
    {
        var work = WorkDirectoryOf(zipPath);
        if (Directory.Exists(work))
            Directory.Delete(work, recursive: true);
    }

    private async Task<string> UnpackAsync(ImportLimits limits, CancellationToken cancellationToken)
    {
        if (_root is not null)
            return _root;
        using var zip = ImportZip.Open(path, limits);
        DeleteWorkDirectory(path);
        var work = Path.GetFullPath(WorkDirectoryOf(path));
        Core.Hosting.DataDirectoryPermissions.CreateDirectory(work);
        var unpacked = false;
        try
        {
            _root = await UnpackIntoAsync(zip, work, limits, cancellationToken).ConfigureAwait(false);
            unpacked = true;
            return _root;
        }
        finally
        {
            if (!unpacked)
                DeleteWorkDirectory(path);
        }
    }

    private async Task<string> UnpackIntoAsync(System.IO.Compression.ZipArchive zip, string work, ImportLimits limits, CancellationToken cancellationToken)
    {
        var mailboxes = zip.Entries.Where(e => ImportZip.SafePath(e.FullName, colonInFileName: true) is not null)
            .Select(e => ImportZip.MaildirMailbox(e.FullName)).OfType<string[]>().ToList();
        if (mailboxes.Count == 0)
            throw new ImportException("The zip holds no Maildir: no message is in a cur or new folder.");
        // The shallowest mailbox is the inbox; when the zip has only Maildir++ subfolders (".Work"), their parent is.
        var rootParts = mailboxes.MinBy(m => m.Length)!;
        if (rootParts.Length > 0 && rootParts[^1].StartsWith('.'))
            rootParts = rootParts[..^1];
        long written = 0;
        foreach (var entry in zip.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = entry.FullName.Replace('\\', '/');
            if (name.EndsWith('/'))
                continue;
            var isMessage = ImportZip.MaildirMailbox(name) is not null;
            if (!isMessage && !name.EndsWith("/" + KeywordsFile, StringComparison.Ordinal) && name != KeywordsFile)
                continue; // Dovecot's index and uidlist files, tmp, anything else: not mail
            var shown = ImportZip.Shown(entry.FullName);
            if (ImportZip.SafePath(name, colonInFileName: true) is null)
            {
                _refused.Add($"{shown}: refused, the name leaves the zip (.., a root or a drive)");
                continue;
            }
            var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length <= rootParts.Length || !parts.AsSpan(0, rootParts.Length).SequenceEqual(rootParts))
                continue; // outside the Maildir
            if (entry.Length > limits.MaxMessageSize)
            {
                _refused.Add($"{shown}: larger than the {Core.ByteSize.FormatCompact(limits.MaxMessageSize)} message size limit");
                continue;
            }
            if (ImportZip.IsBomb(entry, limits))
            {
                _refused.Add($"{shown}: refused, compressed {entry.Length / entry.CompressedLength:N0} to 1 (a zip bomb?)");
                continue;
            }
            var bytes = await ImportZip.ReadBoundedAsync(entry, isMessage ? limits.MaxMessageSize : 64 * 1024, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                _refused.Add($"{shown}: unpacks to more than it may");
                continue;
            }
            written += bytes.LongLength;
            if (written > limits.MaxZipBytes)
                throw new ImportException($"The zip unpacks to more than {Core.ByteSize.FormatCompact(limits.MaxZipBytes)}; at most that much is imported at once.");
            var target = Path.GetFullPath(Path.Combine([work, .. parts[rootParts.Length..]]));
            // SafePath refused every way out already; this is the last word on where a file may land.
            if (!target.StartsWith(work + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                _refused.Add($"{shown}: refused, the name leaves the zip (.., a root or a drive)");
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, bytes, cancellationToken).ConfigureAwait(false);
            // MaildirSource takes the internal date from the file's time, as Dovecot keeps it; a zip without times (1980) leaves it now.
            if (entry.LastWriteTime.Year > 1980)
                File.SetLastWriteTimeUtc(target, entry.LastWriteTime.UtcDateTime);
        }
        // The inbox may have no messages of its own: MaildirSource wants a cur or new folder at the root.
        Directory.CreateDirectory(Path.Combine(work, "cur"));
        return work;
    }
}
