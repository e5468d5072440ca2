using System.Text.Json;
using Npgsql;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>Imports (batches through <see cref="PostgresMessageInserter"/>, as IMAP APPEND stores), import jobs, and what retention reads.</summary>
public sealed partial class PostgresMessageStore
{
    private const string JobColumns =
        "id, account_id, kind, source, target_folder, options, upload_path, state, total, imported, duplicates, failed, bytes, message, errors, created_at, finished_at";

    /// <summary>As SQLite's <c>SqliteMessageStore.ImportDuplicateSql</c>: <c>message_id &lt;&gt; ''</c> is what lets the prepared (generic) plan use the partial index.</summary>
    internal const string ImportDuplicateSql = "SELECT 1 FROM messages WHERE folder_id = @f AND message_id = @m AND message_id <> '' AND size = @s LIMIT 1";

    public async Task<ImportBatchResult> ImportBatchAsync(long accountId, ImportBatch batch, CancellationToken cancellationToken)
    {
        // Parsed before the transaction: the unit only writes.
        var parsed = batch.Messages.Select(m => MessageParser.Parse(m.Raw, MaxMimeDepth)).ToList();
        var now = time.GetUtcNow();
        var errors = batch.Errors.Take(ImportJob.MaxErrors).Select(Bound).ToList();
        return await WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            var address = await AddressOfAsync(unit, accountId).ConfigureAwait(false);
            var checkedFolders = new HashSet<long>();
            var touched = new HashSet<long>();
            int imported = 0, duplicates = 0;
            long bytes = 0;
            var quotaStopped = false;
            for (var i = 0; i < batch.Messages.Count; i++)
            {
                var message = batch.Messages[i];
                if (checkedFolders.Add(message.FolderId))
                    await RequireFolderAsync(unit, accountId, message.FolderId).ConfigureAwait(false);
                if (parsed[i].MessageId.Length > 0 && await unit.Sql(ImportDuplicateSql)
                        .With("f", message.FolderId).With("m", parsed[i].MessageId).With("s", message.Raw.LongLength).ScalarAsync().ConfigureAwait(false) is not null)
                {
                    duplicates++;
                    continue;
                }
                if (await PostgresMessageInserter.OverQuotaAsync(unit, accountId, message.Raw.LongLength).ConfigureAwait(false))
                {
                    quotaStopped = true;
                    break;
                }
                var keywords = Keywords.Apply("", FlagChangeMode.Replace, message.Keywords);
                await PostgresMessageInserter.InsertAsync(unit, accountId, message.FolderId, message.Raw, parsed[i], message.Flags, message.InternalDate ?? now, keywords).ConfigureAwait(false);
                touched.Add(message.FolderId);
                imported++;
                bytes += message.Raw.LongLength;
            }
            // A stopped batch has not reached its cursors: the next run starts again from the last complete batch.
            if (!quotaStopped)
            {
                foreach (var cursor in batch.Cursors)
                {
                    await unit.Sql("INSERT INTO import_imap_state (account_id, source, folder, uid_validity, last_uid) VALUES (@a, @s, @f, @v, @u) " +
                            "ON CONFLICT (account_id, source, folder) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid")
                        .With("a", accountId).With("s", cursor.Source).With("f", cursor.Folder).With("v", cursor.UidValidity).With("u", cursor.LastUid).ExecuteAsync().ConfigureAwait(false);
                }
            }
            if (batch.JobId is { } jobId)
            {
                // The job's errors are a JSON array of text kept to the first MaxErrors (as on SQLite).
                var job = await unit.Sql("SELECT errors FROM import_jobs WHERE id = @j AND account_id = @a FOR UPDATE").With("j", jobId).With("a", accountId).ScalarAsync().ConfigureAwait(false) as string;
                if (job is not null)
                {
                    var kept = JsonSerializer.Deserialize<List<string>>(job) ?? [];
                    kept.AddRange(errors.Take(Math.Max(0, ImportJob.MaxErrors - kept.Count)));
                    await unit.Sql("UPDATE import_jobs SET imported = imported + @i, duplicates = duplicates + @d, failed = failed + @x, bytes = bytes + @b, errors = @e WHERE id = @j")
                        .With("i", (long)imported).With("d", (long)duplicates).With("x", (long)batch.Failed).With("b", bytes).With("e", JsonSerializer.Serialize(kept))
                        .With("j", jobId).ExecuteAsync().ConfigureAwait(false);
                }
            }
            foreach (var folderId in touched)
                unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId)));
            return new ImportBatchResult(imported, duplicates, bytes, quotaStopped, address);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Bound(string text) => text.Length <= ImportJob.MaxErrorLength ? text : text[..(ImportJob.MaxErrorLength - 1)] + "…";

    public Task<ImapImportCursor?> GetImapCursorAsync(long accountId, string source, string folder, CancellationToken cancellationToken) =>
        ReadAsync(unit => unit.Sql("SELECT uid_validity, last_uid FROM import_imap_state WHERE account_id = @a AND source = @s AND folder = @f")
            .With("a", accountId).With("s", source).With("f", folder).FirstAsync(r => new ImapImportCursor(source, folder, r.GetInt64(0), r.GetInt64(1))), cancellationToken);

    public async Task<ImportJob> CreateImportJobAsync(long accountId, NewImportJob job, CancellationToken cancellationToken)
    {
        var id = await WriteAsync(async unit =>
        {
            if (job.TargetFolderId is { } folder)
                await RequireFolderAsync(unit, accountId, folder).ConfigureAwait(false);
            return await unit.Sql("INSERT INTO import_jobs (account_id, kind, source, target_folder, options, upload_path, state, created_at) " +
                    "VALUES (@a, @k, @s, @t, @o, @u, @st, @c) RETURNING id")
                .With("a", accountId).With("k", job.Kind).With("s", job.Source).With("t", job.TargetFolderId).With("o", job.Options)
                .With("u", job.UploadPath).With("st", ImportJob.Queued).With("c", job.CreatedAt.ToUnixMs()).LongAsync().ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (await GetImportJobAsync(accountId, id, cancellationToken).ConfigureAwait(false))!;
    }

    public Task<ImportJob?> GetImportJobAsync(long accountId, long jobId, CancellationToken cancellationToken) =>
        ReadAsync(unit => unit.Sql($"SELECT {JobColumns} FROM import_jobs WHERE id = @j AND account_id = @a").With("j", jobId).With("a", accountId).FirstAsync(ReadJob), cancellationToken);

    public async Task<IReadOnlyList<ImportJob>> ListImportJobsAsync(long accountId, int limit, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql($"SELECT {JobColumns} FROM import_jobs WHERE account_id = @a ORDER BY id DESC LIMIT @n")
            .With("a", accountId).With("n", (long)Math.Clamp(limit, 1, 100)).ListAsync(ReadJob), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<ImportJob>> ListImportJobsInStateAsync(string state, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql($"SELECT {JobColumns} FROM import_jobs WHERE state = @s ORDER BY id").With("s", state).ListAsync(ReadJob), cancellationToken).ConfigureAwait(false);

    public Task SetImportJobStateAsync(long jobId, string state, long? total, string message, DateTimeOffset? finishedAt, CancellationToken cancellationToken) =>
        WriteAsync(unit => unit.Sql("UPDATE import_jobs SET state = @s, total = coalesce(@t, total), message = @m, finished_at = @f WHERE id = @j")
            .With("s", state).With("t", total).With("m", Bound(message)).With("f", finishedAt?.ToUnixMs()).With("j", jobId).ExecuteAsync(), cancellationToken);

    private static ImportJob ReadJob(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4), r.GetString(5), r.GetStringOrNull(6),
        r.GetString(7), r.IsDBNull(8) ? null : r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetString(13),
        JsonSerializer.Deserialize<List<string>>(r.GetString(14)) ?? [], PostgresRows.FromUnixMs(r.GetInt64(15)), PostgresRows.FromUnixMsOrNull(r, 16));

    public Task<int> MarkRetentionStartAsync(long accountId, long folderId, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        WriteAsync(unit => unit.Sql("UPDATE messages SET retention_since = @t WHERE id IN " +
                "(SELECT id FROM messages WHERE folder_id = @f AND account_id = @a AND retention_since IS NULL LIMIT @n)")
            .With("t", now.ToUnixMs()).With("f", folderId).With("a", accountId).With("n", (long)limit).ExecuteAsync(), cancellationToken);

    public async Task<IReadOnlyList<long>> ExpiredInFolderAsync(long accountId, long folderId, DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql("SELECT id FROM messages WHERE folder_id = @f AND account_id = @a AND retention_since < @b ORDER BY id LIMIT @n")
            .With("f", folderId).With("a", accountId).With("b", before.ToUnixMs()).With("n", (long)limit).ListAsync(r => r.GetInt64(0)), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<long>> ReadBeforeAsync(long accountId, long folderId, DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql("SELECT id FROM messages WHERE folder_id = @f AND account_id = @a AND internal_date < @b AND (flags & 5) = 1 ORDER BY internal_date LIMIT @n")
            .With("f", folderId).With("a", accountId).With("b", before.ToUnixMs()).With("n", (long)limit).ListAsync(r => r.GetInt64(0)), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<long>> AccountIdsAsync(CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql("SELECT id FROM accounts ORDER BY id").ListAsync(r => r.GetInt64(0)), cancellationToken).ConfigureAwait(false);
}
