using System.Runtime.CompilerServices;
using Webmail.Core.Model;

namespace Webmail.Mail.Transfer;

/// <summary>
/// A Maildir tree: the root (with <c>cur</c>, <c>new</c>, <c>tmp</c>) is the inbox; subfolders in the
/// Maildir++ layout (<c>.Work.Clients</c>, Dovecot's and Courier's default) or nested directories
/// (Dovecot's <c>LAYOUT=fs</c>) are folders. Flags come from the name's info part (<c>:2,</c>, the Maildir
/// specification): D draft, F flagged, R replied, S seen, T trashed (\Deleted), P passed ($Forwarded), and
/// Dovecot's keyword letters a–z through <c>dovecot-keywords</c>; a message still in <c>new</c> is unread.
/// The internal date is the file's modification time (what Dovecot keeps it as). Symbolic links are not followed.
/// </summary>
public sealed class MaildirSource(string root) : ImportSource
{
    public override string Kind => "maildir";

    public override Task<long?> CountAsync(ImportLimits limits, CancellationToken cancellationToken)
    {
        RequireMaildir();
        return Task.FromResult<long?>(Mailboxes().Sum(m => (long)Files(m.Directory).Count()));
    }

    public override async IAsyncEnumerable<ImportItem> ReadAsync(ImportLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RequireMaildir();
        foreach (var (folder, directory) in Mailboxes())
        {
            var keywords = KeywordNames(directory);
            // Dovecot names files by delivery time first: in name order they come in arrival order.
            foreach (var file in Files(directory).OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (file.Length > limits.MaxMessageSize)
                {
                    yield return ImportItem.Failed($"{file.Name}: larger than the {Core.ByteSize.FormatCompact(limits.MaxMessageSize)} message size limit");
                    continue;
                }
                byte[]? raw = null;
                string? error = null;
                try
                {
                    raw = await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    error = $"{file.Name}: {e.Message}";
                }
                if (raw is null)
                {
                    yield return ImportItem.Failed(error!);
                    continue;
                }
                var (flags, words) = ParseInfo(file.Name, file.Directory!.Name == "new", keywords);
                yield return new ImportItem([folder], CrlfLines.Normalize(raw), flags, words, new DateTimeOffset(file.LastWriteTimeUtc));
            }
        }
    }

    private void RequireMaildir()
    {
        if (!Directory.Exists(Path.Combine(root, "cur")) && !Directory.Exists(Path.Combine(root, "new")))
            throw new ImportException($"{root} is not a Maildir: it has no cur or new folder.");
    }

    /// <summary>Every mailbox of the tree with the folder it maps to.</summary>
    private IEnumerable<(ImportFolder Folder, string Directory)> Mailboxes()
    {
        yield return (ImportFolder.Standard(SpecialFolder.Inbox), root);
        var rootInfo = new DirectoryInfo(root);
        foreach (var sub in rootInfo.EnumerateDirectories().Where(d => d.LinkTarget is null).OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            if (sub.Name is "cur" or "new" or "tmp")
                continue;
            if (sub.Name.StartsWith('.') && sub.Name.Length > 1 && IsMailbox(sub.FullName))
            {
                // Maildir++: ".Work.Clients" is Work/Clients.
                yield return (FolderFor(sub.Name[1..].Split('.')), sub.FullName);
                continue;
            }
            if (!sub.Name.StartsWith('.'))
            {
                foreach (var nested in Nested(sub, [sub.Name]))
                    yield return nested;
            }
        }
    }

    private static IEnumerable<(ImportFolder, string)> Nested(DirectoryInfo directory, List<string> path)
    {
        if (path.Count > 16)
            yield break;
        if (IsMailbox(directory.FullName))
            yield return (FolderFor(path), directory.FullName);
        foreach (var sub in directory.EnumerateDirectories().Where(d => d.LinkTarget is null && d.Name is not ("cur" or "new" or "tmp")).OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            foreach (var nested in Nested(sub, [.. path, sub.Name]))
                yield return nested;
        }
    }

    private static bool IsMailbox(string directory) => Directory.Exists(Path.Combine(directory, "cur")) || Directory.Exists(Path.Combine(directory, "new"));

    private static ImportFolder FolderFor(IReadOnlyList<string> path) => StandardNames.Folder(path);

    private static IEnumerable<FileInfo> Files(string mailbox) =>
        new[] { "cur", "new" }.Select(d => new DirectoryInfo(Path.Combine(mailbox, d))).Where(d => d.Exists)
            .SelectMany(d => d.EnumerateFiles()).Where(f => f.LinkTarget is null && !f.Name.StartsWith('.'));

    /// <summary>Dovecot's <c>dovecot-keywords</c>: "0 $Forwarded" lines, the number being the letter's place from a.</summary>
    private static Dictionary<char, string> KeywordNames(string mailbox)
    {
        var names = new Dictionary<char, string>();
        var file = Path.Combine(mailbox, "dovecot-keywords");
        if (!File.Exists(file) || new FileInfo(file).Length > 64 * 1024)
            return names;
        foreach (var line in File.ReadLines(file))
        {
            var space = line.IndexOf(' ');
            if (space > 0 && int.TryParse(line.AsSpan(0, space), out var index) && index is >= 0 and < 26)
                names[(char)('a' + index)] = line[(space + 1)..].Trim();
        }
        return names;
    }

    internal static (MessageFlags Flags, List<string> Keywords) ParseInfo(string name, bool inNew, IReadOnlyDictionary<char, string> keywordNames)
    {
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        var info = name.LastIndexOf(":2,", StringComparison.Ordinal);
        if (info < 0)
            info = name.LastIndexOf("!2,", StringComparison.Ordinal); // the separator where ':' is not allowed
        if (info < 0 || inNew)
            return (flags, keywords);
        foreach (var c in name.AsSpan(info + 3))
        {
            switch (c)
            {
                case 'D': flags |= MessageFlags.Draft; break;
                case 'F': flags |= MessageFlags.Flagged; break;
                case 'R': flags |= MessageFlags.Answered; break;
                case 'S': flags |= MessageFlags.Seen; break;
                case 'T': flags |= MessageFlags.Deleted; break;
                case 'P': keywords.Add(WellKnownKeywords.Forwarded); break;
                case >= 'a' and <= 'z' when keywordNames.TryGetValue(c, out var keyword): keywords.Add(keyword); break;
            }
        }
        return (flags, keywords);
    }
}
