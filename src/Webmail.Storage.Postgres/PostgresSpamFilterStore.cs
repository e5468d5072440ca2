using Microsoft.Extensions.Logging;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>The PostgreSQL implementation of <see cref="ISpamFilterStore"/> (tables <c>filter_counts</c> and <c>spam_learned</c>), the same contract as <c>SqliteSpamFilterStore</c>.</summary>
public sealed class PostgresSpamFilterStore(PostgresDatabase database, TimeProvider time, ILogger<PostgresSpamFilterStore> logger) : ISpamFilterStore
{
    /// <summary>An atomic upsert: concurrent counts add up.</summary>
    public Task CountFilterOutcomeAsync(string outcome, string reason, CancellationToken cancellationToken)
    {
        var day = time.GetUtcNow().ToUnixTimeSeconds() / 86_400 * 86_400;
        var o = SqliteSpamFilterStore.Key(outcome);
        var r = SqliteSpamFilterStore.Key(reason);
        return PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("INSERT INTO filter_counts (day, outcome, reason, count) VALUES (@d, @o, @r, 1) ON CONFLICT (day, outcome, reason) DO UPDATE SET count = filter_counts.count + 1")
                .With("d", day).With("o", o).With("r", r).ExecuteAsync(), cancellationToken);
    }

    public async Task<IReadOnlyList<FilterCount>> GetFilterCountsAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT day, outcome, reason, count FROM filter_counts WHERE day >= @s ORDER BY day, outcome COLLATE \"C\", reason COLLATE \"C\"",
            r => new FilterCount(DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)), r.GetString(1), r.GetString(2), r.GetInt64(3)),
            cancellationToken, ("s", since.ToUnixTimeSeconds() / 86_400 * 86_400)).ConfigureAwait(false);

    public async Task<bool?> GetLearnedAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT l.verdict FROM spam_learned l JOIN messages m ON m.id = l.message_id WHERE l.message_id = @m AND m.account_id = @a",
            r => r.GetInt64(0), cancellationToken, ("m", messageId), ("a", accountId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0] == 1;
    }

    public Task RecordLearnedAsync(long accountId, long messageId, bool spam, CancellationToken cancellationToken) =>
        PostgresUnits.WriteAsync(database, logger, unit =>
            unit.Sql("INSERT INTO spam_learned (message_id, verdict, learned_at) SELECT id, @v, @t FROM messages WHERE id = @m AND account_id = @a " +
                "ON CONFLICT (message_id) DO UPDATE SET verdict = excluded.verdict, learned_at = excluded.learned_at")
                .With("m", messageId).With("a", accountId).With("v", spam ? 1L : 2L).With("t", time.GetUtcNow().ToUnixTimeMilliseconds()).ExecuteAsync(), cancellationToken);
}
