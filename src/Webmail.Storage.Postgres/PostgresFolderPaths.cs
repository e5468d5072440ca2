using Webmail.Core.Model;

namespace Webmail.Storage.Postgres;

/// <summary>Folders by full name inside a unit of work on PostgreSQL: the rule of <see cref="FolderPaths"/>, with PostgreSQL's statements.</summary>
internal static class PostgresFolderPaths
{
    /// <summary>
    /// <see cref="FolderPaths.WalkAsync"/> in <paramref name="unit"/>. The caller holds the account's row lock, so two
    /// deliveries (on any node) cannot both create the folder.
    /// </summary>
    public static async Task<(long FolderId, bool Missing)> ResolveAsync(PostgresUnit unit, long accountId, string path, bool create, DateTimeOffset now)
    {
        var inbox = await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, SpecialFolder.Inbox).ConfigureAwait(false);
        return await FolderPaths.WalkAsync(inbox, path, create, new FolderPaths.Steps(
            async (parent, name) => await unit.Sql("SELECT id FROM folders WHERE account_id = @a AND coalesce(parent_id, 0) = @p AND name = @n")
                .With("a", accountId).With("p", parent ?? 0).With("n", name).LongOrNullAsync().ConfigureAwait(false),
            async () => await unit.Sql("SELECT count(*) FROM folders WHERE account_id = @a").With("a", accountId).LongAsync().ConfigureAwait(false),
            async (parent, name) => await unit.Sql("INSERT INTO folders (account_id, parent_id, name, special_use, uid_validity) VALUES (@a, @p, @n, 0, @v) RETURNING id")
                .With("a", accountId).With("p", parent).With("n", name).With("v", now.ToUnixTimeSeconds()).LongAsync().ConfigureAwait(false))).ConfigureAwait(false);
    }
}
