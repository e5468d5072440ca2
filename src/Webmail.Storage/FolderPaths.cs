using Webmail.Core.Model;

namespace Webmail.Storage;

/// <summary>
/// Folders by full name inside a unit of work, as IMAP and Sieve name them: levels joined by <c>/</c>, the
/// first level <c>INBOX</c> in any case is the inbox, other names compared without case (the store keeps
/// them unique that way). The rule lives here once for both providers (<see cref="WalkAsync"/>); each provider
/// gives it its own three statements (<see cref="Resolve"/> on SQLite, <c>PostgresFolderPaths</c>).
/// </summary>
internal static class FolderPaths
{
    /// <summary>An account may have this many folders; a Sieve <c>:create</c> beyond it files into INBOX.</summary>
    public const int MaxFoldersPerAccount = 1_000;

    public const char Separator = '/';

    /// <summary>The statements a provider runs for <see cref="WalkAsync"/>, inside the caller's unit of work.</summary>
    /// <param name="Find">The id of the folder named (trimmed) under a parent (null: top level), or null.</param>
    /// <param name="Count">How many folders the account has.</param>
    /// <param name="Create">Creates a folder under a parent and returns its id.</param>
    public readonly record struct Steps(
        Func<long?, string, ValueTask<long?>> Find,
        Func<ValueTask<long>> Count,
        Func<long?, string, ValueTask<long>> Create);

    /// <summary>
    /// The folder named <paramref name="path"/>, created (with its missing parents) when <paramref name="create"/> is
    /// set; the inbox and <c>Missing = true</c> when it does not exist and may not be created, or the name is not
    /// one a folder can have.
    /// </summary>
    public static async ValueTask<(long FolderId, bool Missing)> WalkAsync(long inbox, string path, bool create, Steps steps)
    {
        var names = path.TrimEnd(Separator).Split(Separator);
        if (names.Any(n => !IsValidName(n)))
            return (inbox, true);
        long? parent = null;
        for (var i = 0; i < names.Length; i++)
        {
            var existing = i == 0 && names[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                ? inbox
                : await steps.Find(parent, names[i].Trim()).ConfigureAwait(false);
            if (existing is { } known)
            {
                parent = known;
                continue;
            }
            if (!create || await steps.Count().ConfigureAwait(false) >= MaxFoldersPerAccount)
                return (inbox, true);
            parent = await steps.Create(parent, names[i].Trim()).ConfigureAwait(false);
        }
        return (parent!.Value, false);
    }

    /// <summary><see cref="WalkAsync"/> on SQLite's writer: every step runs at once, so the walk completes synchronously.</summary>
    public static (long FolderId, bool Missing) Resolve(WriteContext context, long accountId, string path, bool create, DateTimeOffset now)
    {
        var inbox = MessageInserter.FolderIdOf(context, accountId, SpecialFolder.Inbox);
        var walk = WalkAsync(inbox, path, create, new Steps(
            (parent, name) => ValueTask.FromResult(
                context.Command("SELECT id FROM folders WHERE account_id = $a AND ifnull(parent_id, 0) = $p AND name = $n COLLATE NOCASE")
                    .With("$a", accountId).With("$p", parent ?? 0).With("$n", name).ExecuteScalar() is { } found ? Convert.ToInt64(found) : (long?)null),
            () => ValueTask.FromResult(context.Command("SELECT count(*) FROM folders WHERE account_id = $a").With("$a", accountId).ScalarLong()),
            (parent, name) => ValueTask.FromResult(
                context.Command("INSERT INTO folders (account_id, parent_id, name, special_use, uid_validity) VALUES ($a, $p, $n, 0, $v) RETURNING id")
                    .With("$a", accountId).With("$p", parent).With("$n", name).With("$v", now.ToUnixTimeSeconds()).ScalarLong())));
        return walk.IsCompleted ? walk.Result : throw new InvalidOperationException("A folder walk on SQLite's writer must complete synchronously.");
    }

    private static bool IsValidName(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Length is > 0 and <= FolderName.MaxLength && !trimmed.Any(char.IsControl);
    }
}
