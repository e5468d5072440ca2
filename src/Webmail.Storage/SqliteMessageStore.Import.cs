using System.Text.Json;
using Microsoft.Data.Sqlite;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>Imports (batches through <see cref="MessageInserter"/>, as IMAP APPEND stores), import jobs, and what retention reads.</summary>
public sealed partial class SqliteMessageStore
{
    private const string JobColumns =
        "id, account_id, kind, source, target_folder, options, upload_path, state, total, imported, duplicates, failed, bytes, message, errors, created_at, finished_at";

    /// <summary>
    /// Whether a folder holds the message already (same Message-ID and size). <c>message_id &lt;&gt; ''</c> lets the planner
    /// use the partial index <c>messages_folder_msgid</c>; without it the lookup took (folder, size) and read every message
    /// of that size, so an import of many same-sized messages went quadratic.
    /// </summary>
    internal const string ImportDuplicateSql = "SELECT 1 FROM messages WHERE folder_id = $f AND message_id = $m AND message_id <> '' AND size = $s LIMIT 1";

    public async Task<ImportBatchResult> ImportBatchAsync(long accountId, ImportBatch batch, CancellationToken cancellationToken)
    {
        // Parse before queuing: a unit of the writer does no parsing (docs/architecture.md, the group-commit writer).
        var parsed = batch.Messages.Select(m => MessageParser.Parse(m.Raw, MaxMimeDepth)).ToList();
        var now = time.GetUtcNow();
        var errors = batch.Errors.Take(ImportJob.MaxErrors).Select(Bound).ToList();
        return await Writer.ExecuteAsync(context =>
        {
            var address = AddressOf(context, accountId);
            var checkedFolders = new HashSet<long>();
            var touched = new HashSet<long>();
            int imported = 0, duplicates = 0;
            long bytes = 0;
            var quotaStopped = false;
            for (var i = 0; i < batch.Messages.Count; i++)
            {
                var message = batch.Messages[i];
                if (checkedFolders.Add(message.FolderId))
                    RequireFolder(context, accountId, message.FolderId);
                if (parsed[i].MessageId.Length > 0 && context.Command(ImportDuplicateSql)
                        .With("$f", message.FolderId).With("$m", parsed[i].MessageId).With("$s", message.Raw.LongLength).ExecuteScalar() is not null)
                {
                    duplicates++;
                    continue;
                }
                if (OverQuotaOrMissing(context, accountId, message.Raw.LongLength))
                {
                    quotaStopped = true;
                    break;
                }
                var keywords = Keywords.Apply("", FlagChangeMode.Replace, message.Keywords);
                MessageInserter.Insert(context, accountId, message.FolderId, message.Raw, parsed[i], message.Flags, message.InternalDate ?? now, keywords);
                touched.Add(message.FolderId);
                imported++;
                bytes += message.Raw.LongLength;
            }
            // A stopped batch has not reached its cursors: the next run starts again from the last complete batch.
            if (!quotaStopped)
            {
                foreach (var cursor in batch.Cursors)
                {
                    context.Command("INSERT INTO import_imap_state (account_id, source, folder, uid_validity, last_uid) VALUES ($a, $s, $f, $v, $u) " +
                            "ON CONFLICT (account_id, source, folder) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid")
                        .With("$a", accountId).With("$s", cursor.Source).With("$f", cursor.Folder).With("$v", cursor.UidValidity).With("$u", cursor.LastUid).ExecuteNonQuery();
                }
            }
            if (batch.JobId is { } jobId)
            {
                context.Command("UPDATE import_jobs SET imported = imported + $i, duplicates = duplicates + $d, failed = failed + $x, bytes = bytes + $b, " +
                        "errors = CASE WHEN json_array_length(errors) >= $max THEN errors ELSE (SELECT json_group_array(value) FROM (SELECT value FROM json_each(errors) UNION ALL SELECT value FROM json_each($e) LIMIT $max)) END " +
                        "WHERE id = $j AND account_id = $a")
                    .With("$i", imported).With("$d", duplicates).With("$x", batch.Failed).With("$b", bytes).With("$e", JsonSerializer.Serialize(errors))
                    .With("$max", ImportJob.MaxErrors).With("$j", jobId).With("$a", accountId).ExecuteNonQuery();
            }
            foreach (var folderId in touched)
                context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId)));
            return new ImportBatchResult(imported, duplicates, bytes, quotaStopped, address);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Bound(string text) => text.Length <= ImportJob.MaxErrorLength ? text : text[..(ImportJob.MaxErrorLength - 1)] + "…";

    public async Task<ImapImportCursor?> GetImapCursorAsync(long accountId, string source, string folder, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT uid_validity, last_uid FROM import_imap_state WHERE account_id = $a AND source = $s AND folder = $f",
            r => new ImapImportCursor(source, folder, r.GetInt64(0), r.GetInt64(1)), cancellationToken, ("$a", accountId), ("$s", source), ("$f", folder)).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    public async Task<ImportJob> CreateImportJobAsync(long accountId, NewImportJob job, CancellationToken cancellationToken)
    {
        var id = await Writer.ExecuteAsync(context =>
        {
            if (job.TargetFolderId is { } folder)
                RequireFolder(context, accountId, folder);
            return context.Command("INSERT INTO import_jobs (account_id, kind, source, target_folder, options, upload_path, state, created_at) " +
                    "VALUES ($a, $k, $s, $t, $o, $u, $st, $c) RETURNING id")
                .With("$a", accountId).With("$k", job.Kind).With("$s", job.Source).With("$t", job.TargetFolderId).With("$o", job.Options)
                .With("$u", job.UploadPath).With("$st", ImportJob.Queued).With("$c", job.CreatedAt.ToUnixMs()).ScalarLong();
        }, cancellationToken).ConfigureAwait(false);
        return (await GetImportJobAsync(accountId, id, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<ImportJob?> GetImportJobAsync(long accountId, long jobId, CancellationToken cancellationToken) =>
        (await database.QueryAsync($"SELECT {JobColumns} FROM import_jobs WHERE id = $j AND account_id = $a", ReadJob, cancellationToken, ("$j", jobId), ("$a", accountId))
            .ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyList<ImportJob>> ListImportJobsAsync(long accountId, int limit, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {JobColumns} FROM import_jobs WHERE account_id = $a ORDER BY id DESC LIMIT $n", ReadJob, cancellationToken,
            ("$a", accountId), ("$n", Math.Clamp(limit, 1, 100))).ConfigureAwait(false);

    public async Task<IReadOnlyList<ImportJob>> ListImportJobsInStateAsync(string state, CancellationToken cancellationToken) =>
        await database.QueryAsync($"SELECT {JobColumns} FROM import_jobs WHERE state = $s ORDER BY id", ReadJob, cancellationToken, ("$s", state)).ConfigureAwait(false);

    public Task SetImportJobStateAsync(long jobId, string state, long? total, string message, DateTimeOffset? finishedAt, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context =>
        {
            context.Command("UPDATE import_jobs SET state = $s, total = coalesce($t, total), message = $m, finished_at = $f WHERE id = $j")
                .With("$s", state).With("$t", total).With("$m", Bound(message)).With("$f", finishedAt?.ToUnixMs()).With("$j", jobId).ExecuteNonQuery();
        }, cancellationToken);

    private static ImportJob ReadJob(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4), r.GetString(5), r.GetStringOrNull(6),
        r.GetString(7), r.IsDBNull(8) ? null : r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetString(13),
        JsonSerializer.Deserialize<List<string>>(r.GetString(14)) ?? [], SqlExtensions.FromUnixMs(r.GetInt64(15)), r.FromUnixMsOrNull(16));

    public Task<int> MarkRetentionStartAsync(long accountId, long folderId, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync(context =>
            context.Command("UPDATE messages SET retention_since = $t WHERE id IN " +
                    "(SELECT id FROM messages WHERE folder_id = $f AND account_id = $a AND retention_since IS NULL LIMIT $n)")
                .With("$t", now.ToUnixMs()).With("$f", folderId).With("$a", accountId).With("$n", limit).ExecuteNonQuery(), cancellationToken);

    public async Task<IReadOnlyList<long>> ExpiredInFolderAsync(long accountId, long folderId, DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT id FROM messages WHERE folder_id = $f AND account_id = $a AND retention_since < $b ORDER BY id LIMIT $n", r => r.GetInt64(0),
            cancellationToken, ("$f", folderId), ("$a", accountId), ("$b", before.ToUnixMs()), ("$n", limit)).ConfigureAwait(false);

    public async Task<IReadOnlyList<long>> ReadBeforeAsync(long accountId, long folderId, DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT id FROM messages WHERE folder_id = $f AND account_id = $a AND internal_date < $b AND (flags & 5) = 1 ORDER BY internal_date LIMIT $n",
            r => r.GetInt64(0), cancellationToken, ("$f", folderId), ("$a", accountId), ("$b", before.ToUnixMs()), ("$n", limit)).ConfigureAwait(false);

    public async Task<IReadOnlyList<long>> AccountIdsAsync(CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT id FROM accounts ORDER BY id", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
}
