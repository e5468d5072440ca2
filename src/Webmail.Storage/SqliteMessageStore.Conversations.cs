using System.Text.Json;
using Webmail.Core.Model;

namespace Webmail.Storage;

/// <summary>The conversation list: one folder's messages grouped by thread key, paged in SQL.</summary>
public sealed partial class SqliteMessageStore
{
    // The page's threads come from the folder's messages newest first (messages_folder_date): a thread's first message
    // there is its latest (the highest id among equal dates), so the page is known once offset + size distinct threads
    // have been seen, however large the folder. Grouping the whole folder in SQL (GROUP BY thread_key, then sorting the
    // groups by their latest date) took 60-70 ms for a 100,000-message INBOX on every load of the list.
    internal const string FolderNewestFirstSql = "SELECT id, thread_key FROM messages WHERE folder_id = $f ORDER BY internal_date DESC, id DESC";

    // Then only the page's threads are read: their members through messages_folder_thread (CROSS JOIN keeps the page
    // the outer loop; left to itself SQLite walked the folder's whole index and looked each row up in the page), their
    // latest messages by id.
    internal const string ConversationPageSql =
        "WITH page(position, latest_id, thread_key) AS (SELECT key, value ->> 0, value ->> 1 FROM json_each($page))," +
        " threads AS (SELECT x.thread_key, count(*) AS n, sum((x.flags & 1) = 0) AS unread, sum((x.flags & 4) <> 0) AS flagged," +
        " json_group_array(json_array(x.id, CASE WHEN x.from_name = '' THEN x.from_address ELSE x.from_name END, x.has_attachments)" +
        " ORDER BY x.internal_date, x.id) AS members" +
        " FROM page CROSS JOIN messages x ON x.folder_id = $f AND x.thread_key = page.thread_key GROUP BY x.thread_key)" +
        " SELECT " + MessageRows.SummaryColumns + ", t.n, t.unread, t.flagged, t.members" +
        " FROM page p JOIN threads t ON t.thread_key = p.thread_key JOIN messages m ON m.id = p.latest_id AND m.account_id = $a" +
        " ORDER BY p.position";

    public async Task<Page<ConversationSummary>> ListConversationsAsync(long accountId, long folderId, int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, 500);
        pageIndex = Math.Max(0, pageIndex);
        return await database.ReadAsync(async (connection, cancellationToken) =>
        {
            using var command = connection.CreateCommand();
            // The folder must be the account's; the grouping below then reads by folder alone.
            command.CommandText = "SELECT 1 FROM folders WHERE id = $f AND account_id = $a";
            command.With("$f", folderId).With("$a", accountId);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                return new Page<ConversationSummary>([], 0, pageIndex, pageSize);

            command.CommandText = "SELECT count(DISTINCT thread_key) FROM messages WHERE folder_id = $f";
            var total = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));

            var skip = (long)pageIndex * pageSize;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var page = new List<object[]>(pageSize);
            command.CommandText = FolderNewestFirstSql;
            using (var newest = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (page.Count < pageSize && newest.Read())
                {
                    var key = newest.GetString(1);
                    if (seen.Add(key) && seen.Count > skip)
                        page.Add([newest.GetInt64(0), key]);
                }
            }
            var items = new List<ConversationSummary>();
            if (page.Count == 0)
                return new Page<ConversationSummary>(items, total, pageIndex, pageSize);

            command.CommandText = ConversationPageSql;
            command.With("$page", JsonSerializer.Serialize(page));
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (reader.Read())
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
                items.Add(new ConversationSummary(latest, reader.GetInt32(columns), reader.GetInt32(columns + 1), reader.GetInt32(columns + 2) > 0,
                    attachments, senders, ids));
            }
            return new Page<ConversationSummary>(items, total, pageIndex, pageSize);
        }, cancellationToken).ConfigureAwait(false);
    }
}
