using System.Text;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>The SQLite implementation of <see cref="ISpamFilterStore"/> (tables <c>filter_counts</c> and <c>spam_learned</c>).</summary>
public sealed class SqliteSpamFilterStore(SqliteDatabase database, TimeProvider time) : ISpamFilterStore
{
    private const int MaxKey = 32;

    public Task CountFilterOutcomeAsync(string outcome, string reason, CancellationToken cancellationToken)
    {
        var day = time.GetUtcNow().ToUnixTimeSeconds() / 86_400 * 86_400;
        var o = Key(outcome);
        var r = Key(reason);
        return database.Writer.ExecuteAsync(context =>
            context.Command("INSERT INTO filter_counts (day, outcome, reason, count) VALUES ($d, $o, $r, 1) ON CONFLICT (day, outcome, reason) DO UPDATE SET count = count + 1")
                .With("$d", day).With("$o", o).With("$r", r).ExecuteNonQuery(), cancellationToken);
    }

    public async Task<IReadOnlyList<FilterCount>> GetFilterCountsAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT day, outcome, reason, count FROM filter_counts WHERE day >= $s ORDER BY day, outcome, reason",
            r => new FilterCount(DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)), r.GetString(1), r.GetString(2), r.GetInt64(3)),
            cancellationToken, ("$s", since.ToUnixTimeSeconds() / 86_400 * 86_400)).ConfigureAwait(false);

    public async Task<bool?> GetLearnedAsync(long accountId, long messageId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT l.verdict FROM spam_learned l JOIN messages m ON m.id = l.message_id WHERE l.message_id = $m AND m.account_id = $a",
            r => r.GetInt32(0), cancellationToken, ("$m", messageId), ("$a", accountId)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0] == 1;
    }

    public Task RecordLearnedAsync(long accountId, long messageId, bool spam, CancellationToken cancellationToken) =>
        database.Writer.ExecuteAsync(context =>
            context.Command("INSERT INTO spam_learned (message_id, verdict, learned_at) SELECT id, $v, $t FROM messages WHERE id = $m AND account_id = $a " +
                "ON CONFLICT (message_id) DO UPDATE SET verdict = excluded.verdict, learned_at = excluded.learned_at")
                .With("$m", messageId).With("$a", accountId).With("$v", spam ? 1 : 2).With("$t", time.GetUtcNow().ToUnixMs()).ExecuteNonQuery(), cancellationToken);

    /// <summary>Keys are ours (<c>dmarc</c>, <c>rspamd</c>), but bounded anyway: lower-case letters, digits and '-', at most 32 (the PostgreSQL store's too).</summary>
    internal static string Key(string value)
    {
        var sb = new StringBuilder(MaxKey);
        foreach (var c in value.ToLowerInvariant())
        {
            if (sb.Length == MaxKey)
                break;
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                sb.Append(c);
        }
        return sb.Length == 0 ? "other" : sb.ToString();
    }
}
