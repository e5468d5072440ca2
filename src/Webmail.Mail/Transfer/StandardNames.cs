using Webmail.Core.Model;

namespace Webmail.Mail.Transfer;

/// <summary>The names other mail systems give their standard folders (Dovecot, Courier, Outlook, Gmail, Thunderbird).</summary>
public static class StandardNames
{
    private static readonly Dictionary<string, SpecialFolder> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["INBOX"] = SpecialFolder.Inbox,
        ["Sent"] = SpecialFolder.Sent,
        ["Sent Items"] = SpecialFolder.Sent,
        ["Sent Messages"] = SpecialFolder.Sent,
        ["Sent Mail"] = SpecialFolder.Sent,
        ["Drafts"] = SpecialFolder.Drafts,
        ["Trash"] = SpecialFolder.Trash,
        ["Deleted Items"] = SpecialFolder.Trash,
        ["Deleted Messages"] = SpecialFolder.Trash,
        ["Bin"] = SpecialFolder.Trash,
        ["Junk"] = SpecialFolder.Junk,
        ["Junk E-mail"] = SpecialFolder.Junk,
        ["Spam"] = SpecialFolder.Junk,
        ["Archive"] = SpecialFolder.Archive,
        ["Archives"] = SpecialFolder.Archive,
    };

    public static SpecialFolder? Find(string name) => Names.TryGetValue(name.Trim(), out var folder) ? folder : null;

    /// <summary>The standard folder a one-level name stands for, else the folder by that path.</summary>
    public static ImportFolder Folder(IReadOnlyList<string> path) =>
        path.Count == 0 ? ImportFolder.Unnamed
        : path.Count == 1 && Find(path[0]) is { } special ? ImportFolder.Standard(special)
        : ImportFolder.Named(string.Join('/', path));
}
