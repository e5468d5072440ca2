using Webmail.Core.Model;

namespace Webmail.Core.Filters;

/// <summary>
/// Folders by the names Sieve's fileinto uses: the IMAP names (RFC 5228 §4.1 names mailboxes as the
/// store does), the inbox as <c>INBOX</c> and <c>/</c> between levels — as the IMAP server lists them.
/// </summary>
public sealed class FolderPaths
{
    public const char Separator = '/';

    private readonly Dictionary<long, string> _names = [];

    public FolderPaths(IReadOnlyList<Folder> folders)
    {
        var byId = folders.ToDictionary(f => f.Id);
        foreach (var folder in folders)
        {
            var parts = new List<string>();
            var seen = new HashSet<long>();
            for (var at = folder; at is not null && seen.Add(at.Id); at = at.ParentId is { } p ? byId.GetValueOrDefault(p) : null)
                parts.Add(at.SpecialUse == SpecialFolder.Inbox ? "INBOX" : at.Name);
            parts.Reverse();
            _names[folder.Id] = string.Join(Separator, parts);
        }
        Folders = folders;
    }

    public IReadOnlyList<Folder> Folders { get; }

    /// <summary>The folder's full name.</summary>
    public string Name(Folder folder) => _names[folder.Id];

    /// <summary>The folder with this full name: INBOX in any case, other names compared without case (the store keeps them unique so).</summary>
    public Folder? Find(string name)
    {
        name = name.TrimEnd(Separator);
        if (name.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase) && (name.Length == 5 || name[5] == Separator))
            name = "INBOX" + name[5..];
        return Folders.FirstOrDefault(f => _names[f.Id].Equals(name, StringComparison.OrdinalIgnoreCase));
    }
}
