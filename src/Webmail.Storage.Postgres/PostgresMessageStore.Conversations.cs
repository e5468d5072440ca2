using System.Text.Json;
using Webmail.Core.Model;

namespace Webmail.Storage.Postgres;

/// <summary>The conversation list: one folder's messages grouped by thread key, paged in SQL.</summary>
public sealed partial class PostgresMessageStore
{
    // Threads are grouped and paged over (folder, thread key); a thread's latest message is the one with the latest
    // date (the highest id among equal dates), which SQLite takes as max()'s bare column.
    private const string ConversationPageSql =
        "WITH threads AS (" +
        " SELECT DISTINCT ON (thread_key) thread_key, internal_date AS latest, id AS latest_id" +
        " FROM messages WHERE folder_id = @f ORDER BY thread_key, internal_date DESC, id DESC)," +
        " page AS (SELECT t.thread_key, t.latest, t.latest_id FROM threads t ORDER BY t.latest DESC, t.latest_id DESC LIMIT @n OFFSET @o)" +
        " SELECT " + MessageRows.SummaryColumns + ", s.n, s.unread, s.flagged, s.members" +
        " FROM page p JOIN messages m ON m.id = p.latest_id AND m.account_id = @a" +
        " CROSS JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE (x.flags & 1) = 0) AS unread, count(*) FILTER (WHERE (x.flags & 4) <> 0) AS flagged," +
        " json_agg(json_build_array(x.id, CASE WHEN x.from_name = '' THEN x.from_address ELSE x.from_name END, x.has_attachments::int) ORDER BY x.internal_date, x.id)::text AS members" +
        " FROM messages x WHERE x.folder_id = @f AND x.thread_key = p.thread_key) s" +
        " ORDER BY p.latest DESC, p.latest_id DESC";

    public async Task<Page<ConversationSummary>> ListConversationsAsync(long accountId, long folderId, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        return await ReadAsync(async unit =>
        {
            // The folder must be the account's; the grouping below then reads by folder alone.
            if (await unit.Sql("SELECT 1 FROM folders WHERE id = @f AND account_id = @a").With("f", folderId).With("a", accountId).ScalarAsync().ConfigureAwait(false) is null)
                return new Page<ConversationSummary>([], 0, pageIndex, pageSize);
            var total = await unit.Sql("SELECT count(DISTINCT thread_key) FROM messages WHERE folder_id = @f").With("f", folderId).LongAsync().ConfigureAwait(false);
            var items = await unit.Sql(ConversationPageSql).With("f", folderId).With("a", accountId).With("n", (long)pageSize).With("o", (long)pageIndex * pageSize).ListAsync(reader =>
            {
                var latest = MessageRows.ReadSummary(reader);
                var columns = MessageRows.SummaryColumnCount;
                var ids = new List<long>();
                var senders = new List<string>();
                var attachments = false;
                using (var members = JsonDocument.Parse(reader.GetString(columns + 3)))
                {
                    foreach (var member in members.RootElement.EnumerateArray())
                    {
                        ids.Add(member[0].GetInt64());
                        var sender = member[1].GetString() ?? "";
                        if (!senders.Contains(sender, StringComparer.OrdinalIgnoreCase))
                            senders.Add(sender);
                        attachments |= member[2].GetInt64() != 0;
                    }
                }
                return new ConversationSummary(latest, (int)reader.GetInt64(columns), (int)reader.GetInt64(columns + 1), reader.GetInt64(columns + 2) > 0,
                    attachments, senders, ids);
            }).ConfigureAwait(false);
            return new Page<ConversationSummary>(items, total, pageIndex, pageSize);
        }, cancellationToken, snapshot: true).ConfigureAwait(false);
    }
}
