using System.Text.Json;
using Webmail.Core.Model;

namespace Webmail.Storage;

/// <summary>The conversation list: one folder's messages grouped by thread key, paged in SQL.</summary>
public sealed partial class SqliteMessageStore
{
    // Threads are grouped and paged over messages_folder_thread alone (key, date, flags); only the
    // page's latest messages and their threads' members are read from the table. In an aggregate
    // with a single max(), SQLite takes bare columns (id) from the row holding the max.
    private const string ConversationPageSql =
        "WITH page AS (" +
        " SELECT thread_key, max(internal_date) AS latest, id AS latest_id, count(*) AS n," +
        " sum((flags & 1) = 0) AS unread, sum((flags & 4) <> 0) AS flagged" +
        " FROM messages WHERE folder_id = $f GROUP BY thread_key" +
        " ORDER BY latest DESC, latest_id DESC LIMIT $n OFFSET $o)" +
        " SELECT " + MessageRows.SummaryColumns + ", p.n, p.unread, p.flagged," +
        " (SELECT json_group_array(json_array(x.id, CASE WHEN x.from_name = '' THEN x.from_address ELSE x.from_name END, x.has_attachments)" +
        " ORDER BY x.internal_date, x.id) FROM messages x WHERE x.folder_id = $f AND x.thread_key = p.thread_key)" +
        " FROM page p JOIN messages m ON m.id = p.latest_id AND m.account_id = $a" +
        " ORDER BY p.latest DESC, p.latest_id DESC";

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

            command.CommandText = ConversationPageSql;
            command.With("$n", pageSize).With("$o", (long)pageIndex * pageSize);
            var items = new List<ConversationSummary>();
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
