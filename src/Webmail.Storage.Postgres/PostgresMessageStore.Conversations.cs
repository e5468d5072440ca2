using System.Text.Json;
using Webmail.Core.Model;

namespace Webmail.Storage.Postgres;

/// <summary>The conversation list: one folder's messages grouped by thread key, paged in SQL.</summary>
public sealed partial class PostgresMessageStore
{
    // The page's threads come from the folder's messages newest first (messages_folder_date), read in chunks after the
    // last one seen: a thread's first message there is its latest (the highest id among equal dates), so the page is
    // known once offset + size distinct threads have been seen, however large the folder. (DISTINCT ON over the whole
    // folder, then sorting the threads by their latest date, read every message of a 100,000-message INBOX.)
    private const string FolderNewestFirstSql =
        "SELECT id, thread_key, internal_date FROM messages WHERE folder_id = @f AND (internal_date, id) < (@d, @i)" +
        " ORDER BY internal_date DESC, id DESC LIMIT @n";

    // Then only the page's threads are read: their members through messages_folder_thread, their latest messages by id.
    private const string ConversationPageSql =
        "SELECT " + MessageRows.SummaryColumns + ", s.n, s.unread, s.flagged, s.members" +
        " FROM unnest(@ids, @keys) WITH ORDINALITY AS p(latest_id, thread_key, position)" +
        " JOIN messages m ON m.id = p.latest_id AND m.account_id = @a" +
        " CROSS JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE (x.flags & 1) = 0) AS unread, count(*) FILTER (WHERE (x.flags & 4) <> 0) AS flagged," +
        " json_agg(json_build_array(x.id, CASE WHEN x.from_name = '' THEN x.from_address ELSE x.from_name END, x.has_attachments::int) ORDER BY x.internal_date, x.id)::text AS members" +
        " FROM messages x WHERE x.folder_id = @f AND x.thread_key = p.thread_key) s" +
        " ORDER BY p.position";

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
            var skip = (long)pageIndex * pageSize;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var (ids, keys) = (new List<long>(pageSize), new List<string>(pageSize));
            (long Date, long Id) after = (long.MaxValue, long.MaxValue);
            const int chunk = 200;
            while (ids.Count < pageSize)
            {
                var rows = await unit.Sql(FolderNewestFirstSql).With("f", folderId).With("d", after.Date).With("i", after.Id).With("n", chunk)
                    .ListAsync(reader => (Id: reader.GetInt64(0), Key: reader.GetString(1), Date: reader.GetInt64(2))).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    if (ids.Count < pageSize && seen.Add(row.Key) && seen.Count > skip)
                    {
                        ids.Add(row.Id);
                        keys.Add(row.Key);
                    }
                }
                if (rows.Count < chunk)
                    break;
                after = (rows[^1].Date, rows[^1].Id);
            }
            if (ids.Count == 0)
                return new Page<ConversationSummary>([], total, pageIndex, pageSize);
            var items = await unit.Sql(ConversationPageSql).With("f", folderId).With("a", accountId).With("ids", ids.ToArray()).With("keys", keys.ToArray()).ListAsync(reader =>
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
