using Webmail.Core.Model;

namespace Webmail.Storage;

/// <summary>
/// Folders by full name inside a unit of work, as IMAP and Sieve name them: levels joined by <c>/</c>, the
/// first level <c>INBOX</c> in any case is the inbox, other names compared without case (the store keeps
/// them unique that way).
/// </summary>
internal static class FolderPaths
{
    /// <summary>An account may have this many folders; a Sieve <c>:create</c> beyond it files into INBOX.</summary>
    public const int MaxFoldersPerAccount = 1_000;

    public const char Separator = '/';

    /// <summary>
    /// The folder named <paramref name="path"/>, created (with its missing parents) when <paramref name="create"/> is
    /// set; the inbox and <c>Missing = true</c> when it does not exist and may not be created, or the name is not
    /// one a folder can have.
    /// </summary>
    public static (long FolderId, bool Missing) Resolve(WriteContext context, long accountId, string path, bool create, DateTimeOffset now)
    {
        var inbox = MessageInserter.FolderIdOf(context, accountId, SpecialFolder.Inbox);
        var names = path.TrimEnd(Separator).Split(Separator);
        if (names.Any(n => !IsValidName(n)))
            return (inbox, true);
        long? parent = null;
        for (var i = 0; i < names.Length; i++)
        {
            long? existing = i == 0 && names[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                ? inbox
                : context.Command("SELECT id FROM folders WHERE account_id = $a AND ifnull(parent_id, 0) = $p AND name = $n COLLATE NOCASE")
                    .With("$a", accountId).With("$p", parent ?? 0).With("$n", names[i].Trim()).ExecuteScalar() is { } found ? Convert.ToInt64(found) : null;
            if (existing is { } known)
            {
                parent = known;
                continue;
            }
            if (!create || context.Command("SELECT count(*) FROM folders WHERE account_id = $a").With("$a", accountId).ScalarLong() >= MaxFoldersPerAccount)
                return (inbox, true);
            parent = context.Command("INSERT INTO folders (account_id, parent_id, name, special_use, uid_validity) VALUES ($a, $p, $n, 0, $v) RETURNING id")
                .With("$a", accountId).With("$p", parent).With("$n", names[i].Trim()).With("$v", now.ToUnixTimeSeconds()).ScalarLong();
        }
        return (parent!.Value, false);
    }

    private static bool IsValidName(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Length is > 0 and <= FolderName.MaxLength && !trimmed.Any(char.IsControl);
    }
}
