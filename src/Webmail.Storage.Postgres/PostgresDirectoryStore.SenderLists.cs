using Npgsql;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The <see cref="ISenderListStore"/> half of the directory: table <c>sender_lists</c>.</summary>
public sealed partial class PostgresDirectoryStore
{
    private const string SenderEntryColumns = "id, account_id, kind, pattern, created_at";

    private static SenderListEntry ReadSenderEntry(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), (SenderListKind)r.GetInt64(2), r.GetString(3), PostgresRows.FromUnixMs(r.GetInt64(4)));

    public async Task<IReadOnlyList<SenderListEntry>> ListSenderEntriesAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {SenderEntryColumns} FROM sender_lists WHERE account_id = @a ORDER BY created_at, id", ReadSenderEntry, cancellationToken, ("a", accountId)).ConfigureAwait(false);

    public async Task<SenderListEntry?> PutSenderEntryAsync(long accountId, SenderListKind kind, string pattern, int limit, CancellationToken cancellationToken)
    {
        var id = await PostgresUnits.WriteAsync(database, logger, async unit =>
        {
            await PostgresLocks.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            if (await unit.Sql("SELECT id FROM sender_lists WHERE account_id = @a AND pattern = @p").With("a", accountId).With("p", pattern).ScalarAsync().ConfigureAwait(false) is long existing)
            {
                await unit.Sql("UPDATE sender_lists SET kind = @k WHERE id = @id").With("k", (long)kind).With("id", existing).ExecuteAsync().ConfigureAwait(false);
                return existing;
            }
            if (await unit.Sql("SELECT count(*) FROM sender_lists WHERE account_id = @a").With("a", accountId).LongAsync().ConfigureAwait(false) >= limit)
                return (long?)null;
            return await unit.Sql("INSERT INTO sender_lists (account_id, kind, pattern, created_at) VALUES (@a, @k, @p, @t) RETURNING id")
                .With("a", accountId).With("k", (long)kind).With("p", pattern).With("t", time.GetUtcNow().ToUnixTimeMilliseconds()).LongAsync().ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {SenderEntryColumns} FROM sender_lists WHERE id = @id", ReadSenderEntry, cancellationToken, ("id", id.Value)).ConfigureAwait(false)).Single();
    }

    public Task<bool> RemoveSenderEntryAsync(long accountId, long id, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, async unit =>
            await unit.Sql("DELETE FROM sender_lists WHERE id = @id AND account_id = @a").With("id", id).With("a", accountId).ExecuteAsync().ConfigureAwait(false) > 0, cancellationToken);
}
