using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Mail.Transfer;

/// <summary>
/// A folder an imported message goes to, as the source names it: a standard folder, or a path of names
/// joined by <c>/</c> (created when missing). <see cref="Unnamed"/>: the source gives none (the import's
/// target folder, else the inbox).
/// </summary>
public sealed record ImportFolder(SpecialFolder Special, string Path)
{
    public static readonly ImportFolder Unnamed = new(SpecialFolder.None, "");

    public static ImportFolder Standard(SpecialFolder folder) => new(folder, "");

    public static ImportFolder Named(string path) => new(SpecialFolder.None, path);
}

/// <summary>
/// One message read from a source, or why it could not be (<see cref="Error"/>, with <see cref="Raw"/> null).
/// A message may go to several folders (a Gmail message with two labels). <see cref="Cursor"/>: how far an
/// IMAP source has read once this message is stored.
/// </summary>
public sealed record ImportItem(
    IReadOnlyList<ImportFolder> Folders,
    byte[]? Raw,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset? InternalDate,
    string? Error = null,
    ImapImportCursor? Cursor = null)
{
    public static ImportItem Failed(string error) => new([], null, MessageFlags.None, [], null, error);
}

/// <summary>Bounds on what a source reads, from <c>Webmail:Limits</c> and <c>Webmail:Import</c>.</summary>
/// <param name="MaxMessageSize">A message larger than this is refused (an error of the import), not read whole.</param>
/// <param name="MaxZipEntries">Entries a zip may have.</param>
/// <param name="MaxZipBytes">Uncompressed bytes a zip may unpack to in all.</param>
/// <param name="MaxCompressionRatio">Uncompressed to compressed size an entry may have (a zip bomb has thousands).</param>
public sealed record ImportLimits(long MaxMessageSize, int MaxZipEntries, long MaxZipBytes, int MaxCompressionRatio);

/// <summary>Where messages to import come from: a file, a Maildir tree, a zip, another IMAP server.</summary>
public abstract class ImportSource
{
    /// <summary><c>mbox</c>, <c>maildir</c>, <c>eml</c> or <c>imap</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>How many messages the source holds (or, for IMAP, are new), when it can tell cheaply; null otherwise.</summary>
    public abstract Task<long?> CountAsync(ImportLimits limits, CancellationToken cancellationToken);

    /// <summary>The messages, one at a time (one in memory at once).</summary>
    /// <exception cref="ImportException">The source as a whole cannot be read (not an mbox, a zip bomb, a refused login).</exception>
    public abstract IAsyncEnumerable<ImportItem> ReadAsync(ImportLimits limits, CancellationToken cancellationToken);
}

/// <summary>A source that cannot be imported at all, with a message for the user.</summary>
public sealed class ImportException(string message, Exception? inner = null) : Exception(message, inner);
