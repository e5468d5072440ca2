using Microsoft.Data.Sqlite;
using Webmail.Core.Accounts;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The <see cref="ISenderListStore"/> half of the directory: table <c>sender_lists</c> (migration 0018).</summary>
public sealed partial class SqliteDirectoryStore
{
    private const string SenderEntryColumns = "id, account_id, kind, pattern, created_at";

    private static SenderListEntry ReadSenderEntry(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), (SenderListKind)r.GetInt32(2), r.GetString(3), SqlExtensions.FromUnixMs(r.GetInt64(4)));

    public async Task<IReadOnlyList<SenderListEntry>> ListSenderEntriesAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {SenderEntryColumns} FROM sender_lists WHERE account_id = $a ORDER BY created_at, id", ReadSenderEntry, cancellationToken, ("$a", accountId)).ConfigureAwait(false);

    public async Task<SenderListEntry?> PutSenderEntryAsync(long accountId, SenderListKind kind, string pattern, int limit, CancellationToken cancellationToken)
    {
        var id = await database.Writer.ExecuteAsync(context =>
        {
            if (context.Command("SELECT id FROM sender_lists WHERE account_id = $a AND pattern = $p").With("$a", accountId).With("$p", pattern).ExecuteScalar() is long existing)
            {
                context.Command("UPDATE sender_lists SET kind = $k WHERE id = $id").With("$k", (int)kind).With("$id", existing).ExecuteNonQuery();
                return existing;
            }
            if (context.Command("SELECT count(*) FROM sender_lists WHERE account_id = $a").With("$a", accountId).ScalarLong() >= limit)
                return (long?)null;
            return context.Command("INSERT INTO sender_lists (account_id, kind, pattern, created_at) VALUES ($a, $k, $p, $t) RETURNING id")
                .With("$a", accountId).With("$k", (int)kind).With("$p", pattern).With("$t", time.GetUtcNow().ToUnixMs()).ScalarLong();
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
            return null;
        return (await database.QueryAsync($"SELECT {SenderEntryColumns} FROM sender_lists WHERE id = $id", ReadSenderEntry, cancellationToken, ("$id", id.Value)).ConfigureAwait(false)).Single();
    }

    public Task<bool> RemoveSenderEntryAsync(long accountId, long id, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("DELETE FROM sender_lists WHERE id = $id AND account_id = $a").With("$id", id).With("$a", accountId).ExecuteNonQuery() > 0, cancellationToken);
}
