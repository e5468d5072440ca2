namespace Webmail.Core.Model;

/// <summary>Folders by full name, as IMAP and Sieve name them: levels joined by <c>/</c>, the inbox is <c>INBOX</c>.</summary>
public static class FolderPath
{
    public const char Separator = '/';

    /// <summary>The full name of each folder (in the order given).</summary>
    public static IReadOnlyList<string> FullNames(IReadOnlyList<Folder> folders)
    {
        var byId = folders.ToDictionary(f => f.Id);
        return folders.Select(folder =>
        {
            var parts = new List<string>();
            var seen = new HashSet<long>();
            for (var at = folder; at is not null && seen.Add(at.Id); at = at.ParentId is { } p ? byId.GetValueOrDefault(p) : null)
                parts.Add(at.SpecialUse == SpecialFolder.Inbox ? "INBOX" : at.Name);
            parts.Reverse();
            return string.Join(Separator, parts);
        }).ToList();
    }

    /// <summary>Whether <paramref name="name"/> names one of <paramref name="fullNames"/> (INBOX in any case; others without case, as the store keeps them unique).</summary>
    public static bool Contains(IEnumerable<string> fullNames, string name)
    {
        name = name.TrimEnd(Separator);
        if (name.Length >= 5 && name[..5].Equals("INBOX", StringComparison.OrdinalIgnoreCase) && (name.Length == 5 || name[5] == Separator))
            name = "INBOX" + name[5..];
        return fullNames.Any(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
    }
}
