using Webmail.Core.Model;

namespace Webmail.Imap.Session;

/// <summary>
/// The account's folders as IMAP names: the inbox is <c>INBOX</c> (any case, RFC 9051 §5.1),
/// hierarchy uses <c>/</c>, and the special folders carry their RFC 6154 attributes. Built from one
/// read of the folder list per command that needs it; the folders the web UI shows are these.
/// </summary>
public sealed class MailboxTree
{
    public const char Separator = '/';

    private readonly Dictionary<long, Folder> _byId;
    private readonly Dictionary<long, string> _names = [];

    public MailboxTree(IReadOnlyList<Folder> folders)
    {
        Folders = folders;
        _byId = folders.ToDictionary(f => f.Id);
        foreach (var folder in folders)
            _names[folder.Id] = NameOf(folder);
    }

    public IReadOnlyList<Folder> Folders { get; }

    /// <summary>The folder's full IMAP name.</summary>
    public string Name(Folder folder) => _names[folder.Id];

    public Folder? ById(long id) => _byId.GetValueOrDefault(id);

    /// <summary>The folder with this full name (INBOX in any case; other names compared without case, as the store keeps them unique).</summary>
    public Folder? Find(string name)
    {
        name = Normalize(name);
        return Folders.FirstOrDefault(f => _names[f.Id].Equals(name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>INBOX in any case becomes INBOX (also as the first level of a longer name); a trailing separator goes.</summary>
    public static string Normalize(string name)
    {
        name = name.TrimEnd(Separator);
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
            return "INBOX";
        if (name.Length > 6 && name.StartsWith("INBOX/", StringComparison.OrdinalIgnoreCase))
            return "INBOX" + name[5..];
        return name;
    }

    public bool HasChildren(Folder folder) => Folders.Any(f => f.ParentId == folder.Id);

    /// <summary>The RFC 6154 attribute of a special folder, or null.</summary>
    public static string? SpecialUseAttribute(SpecialFolder use) => use switch
    {
        SpecialFolder.Sent => "\\Sent",
        SpecialFolder.Drafts => "\\Drafts",
        SpecialFolder.Trash => "\\Trash",
        SpecialFolder.Junk => "\\Junk",
        SpecialFolder.Archive => "\\Archive",
        _ => null,
    };

    private string NameOf(Folder folder)
    {
        var parts = new List<string>();
        var seen = new HashSet<long>();
        for (var at = folder; at is not null && seen.Add(at.Id); at = at.ParentId is { } p ? _byId.GetValueOrDefault(p) : null)
            parts.Add(at.SpecialUse == SpecialFolder.Inbox ? "INBOX" : at.Name);
        parts.Reverse();
        return string.Join(Separator, parts);
    }

    /// <summary>
    /// RFC 9051 §6.3.9 LIST pattern match: <c>*</c> matches anything, <c>%</c> anything but the
    /// separator; the reference is prefixed. INBOX matches without case.
    /// </summary>
    public static bool Matches(string name, string pattern)
    {
        // Dynamic programming over the pattern: linear in name × pattern, whatever the wildcards.
        var current = new bool[name.Length + 1];
        var next = new bool[name.Length + 1];
        current[0] = true;
        foreach (var p in pattern)
        {
            Array.Clear(next);
            for (var i = 0; i <= name.Length; i++)
            {
                next[i] = p switch
                {
                    '*' => current[i] || (i > 0 && next[i - 1]),
                    '%' => current[i] || (i > 0 && next[i - 1] && name[i - 1] != Separator),
                    _ => i > 0 && current[i - 1] && char.ToUpperInvariant(name[i - 1]) == char.ToUpperInvariant(p),
                };
            }
            (current, next) = (next, current);
        }
        return current[name.Length];
    }
}
