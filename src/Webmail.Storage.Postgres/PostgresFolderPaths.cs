using Webmail.Core.Model;

namespace Webmail.Storage.Postgres;

/// <summary>
/// Folders by full name inside a unit of work, as IMAP and Sieve name them: levels joined by <c>/</c>, the first
/// level <c>INBOX</c> in any case is the inbox, other names compared without case (as on SQLite).
/// </summary>
internal static class PostgresFolderPaths
{
    /// <summary>An account may have this many folders; a Sieve <c>:create</c> beyond it files into INBOX.</summary>
    public const int MaxFoldersPerAccount = 1_000;

    public const char Separator = '/';

    /// <summary>
    /// The folder named <paramref name="path"/>, created (with its missing parents) when <paramref name="create"/> is
    /// set; the inbox and <c>Missing = true</c> when it does not exist and may not be created, or the name is not one a
    /// folder can have. The caller holds the account's row lock, so two deliveries cannot both create the folder.
    /// </summary>
    public static async Task<(long FolderId, bool Missing)> ResolveAsync(PostgresUnit unit, long accountId, string path, bool create, DateTimeOffset now)
    {
        var inbox = await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, SpecialFolder.Inbox).ConfigureAwait(false);
        var names = path.TrimEnd(Separator).Split(Separator);
        if (names.Any(n => !IsValidName(n)))
            return (inbox, true);
        long? parent = null;
        for (var i = 0; i < names.Length; i++)
        {
            var existing = i == 0 && names[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                ? inbox
                : await unit.Sql("SELECT id FROM folders WHERE account_id = @a AND coalesce(parent_id, 0) = @p AND name = @n")
                    .With("a", accountId).With("p", parent ?? 0).With("n", names[i].Trim()).LongOrNullAsync().ConfigureAwait(false);
            if (existing is { } known)
            {
                parent = known;
                continue;
            }
            if (!create || await unit.Sql("SELECT count(*) FROM folders WHERE account_id = @a").With("a", accountId).LongAsync().ConfigureAwait(false) >= MaxFoldersPerAccount)
                return (inbox, true);
            parent = await unit.Sql("INSERT INTO folders (account_id, parent_id, name, special_use, uid_validity) VALUES (@a, @p, @n, 0, @v) RETURNING id")
                .With("a", accountId).With("p", parent).With("n", names[i].Trim()).With("v", now.ToUnixTimeSeconds()).LongAsync().ConfigureAwait(false);
        }
        return (parent!.Value, false);
    }

    private static bool IsValidName(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Length is > 0 and <= FolderName.MaxLength && !trimmed.Any(char.IsControl);
    }
}
