using System.IO.Compression;

namespace Webmail.Mail.Transfer;

/// <summary>
/// What every zip import shares: the zip opened only within its bounds (<see cref="ImportLimits.MaxZipEntries"/>
/// entries, <see cref="ImportLimits.MaxZipBytes"/> unpacked), entry names that stay inside it, reads that stop at
/// a size whatever the zip claims, and which kind of mail a zip holds (<see cref="KindOf"/>).
/// </summary>
public static class ImportZip
{
    /// <summary>Opens the zip after checking its entry count and unpacked total.</summary>
    /// <exception cref="ImportException">Not a zip, or over a bound.</exception>
    public static ZipArchive Open(string path, ImportLimits limits)
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

    /// <summary>
    /// <c>maildir</c> when a file sits directly in a <c>cur</c> or <c>new</c> folder (a Maildir tree, <see cref="MaildirZipSource"/>),
    /// otherwise <c>eml</c> (<see cref="EmlZipSource"/>).
    /// </summary>
    /// <exception cref="ImportException">Not a zip, or over a bound.</exception>
    public static string KindOf(string path, ImportLimits limits)
    {
        using var zip = Open(path, limits);
        return zip.Entries.Any(e => MaildirMailbox(e.FullName) is not null) ? "maildir" : "eml";
    }

    /// <summary>The folder levels of a Maildir mailbox an entry is a message of (<c>A/.Work/cur/123:2,S</c> → A, .Work), or null.</summary>
    internal static string[]? MaildirMailbox(string fullName)
    {
        var parts = fullName.Replace('\\', '/').Split('/');
        return parts.Length >= 2 && parts[^2] is "cur" or "new" && parts[^1].Length > 0 ? parts[..^2] : null;
    }

    /// <summary>The folder levels of an entry name, or null when the name is not safe (<c>..</c>, <c>.</c>, a root, a drive, NUL).</summary>
    /// <param name="colonInFileName">Maildir's file names carry their flags after a colon (<c>:2,S</c>): allowed there, never in a folder.</param>
    public static List<string>? SafePath(string fullName, bool colonInFileName = false)
    {
        var name = fullName.Replace('\\', '/');
        if (name.StartsWith('/') || name.Contains('\0'))
            return null;
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => p is ".." or "."))
            return null;
        if (parts[..^1].Any(p => p.Contains(':')) || (!colonInFileName && parts[^1].Contains(':')))
            return null;
        return parts[..^1].ToList();
    }

    /// <summary>An entry that unpacks over a thousand-fold or so (<see cref="ImportLimits.MaxCompressionRatio"/>) and past a megabyte: a zip bomb.</summary>
    public static bool IsBomb(ZipArchiveEntry entry, ImportLimits limits) =>
        entry.CompressedLength > 0 && entry.Length / entry.CompressedLength > limits.MaxCompressionRatio && entry.Length > 1024 * 1024;

    /// <summary>The entry's bytes, or null once more than <paramref name="max"/> came out (whatever size the zip declared).</summary>
    public static async Task<byte[]?> ReadBoundedAsync(ZipArchiveEntry entry, long max, CancellationToken cancellationToken)
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

    /// <summary>An entry's name as an error message shows it (bounded).</summary>
    public static string Shown(string name) => name.Length <= 120 ? name : name[..119] + "…";
}
