using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core;
using Webmail.Core.Configuration;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Mail.Transfer;

/// <summary>Counts of an import so far.</summary>
public sealed record ImportProgress(long Imported, long Duplicates, long Failed, long? Total)
{
    public long Processed => Imported + Duplicates + Failed;
}

/// <param name="QuotaStopped">The import stopped because the mailbox is full.</param>
/// <param name="Message">One sentence for the user: what happened.</param>
public sealed record ImportOutcome(long Imported, long Duplicates, long Failed, long Bytes, bool QuotaStopped, string Message);

/// <summary>
/// Runs an import: reads a <see cref="ImportSource"/> one message at a time, maps its folders to the
/// account's (created when missing; everything into the target folder when one is chosen), and stores the
/// messages in batches through <see cref="IImportStore.ImportBatchAsync"/> — one commit per batch of
/// <see cref="BatchMessages"/> messages or <see cref="BatchBytes"/> bytes. A full mailbox stops it with a
/// message saying so; a message that cannot be read or stored is counted and named, and the import goes on.
/// The web UI's jobs, the CLI and the tests all run imports through here.
/// </summary>
public sealed class MailboxImporter(IImportStore store, IMailboxReader mailbox, IImapStore imap, IOptionsMonitor<WebmailOptions> options, ILogger<MailboxImporter> logger)
{
    public const int BatchMessages = 200;
    public const long BatchBytes = 16 * 1024 * 1024;

    public ImportLimits Limits
    {
        get
        {
            var o = options.CurrentValue;
            return new ImportLimits(o.Limits.MaxMessageSize, o.Import.MaxZipEntries, o.Import.MaxZipBytes, o.Import.MaxCompressionRatio);
        }
    }

    /// <exception cref="ImportException">The source cannot be read at all.</exception>
    /// <exception cref="StoreException">The target folder is not the account's.</exception>
    public async Task<ImportOutcome> RunAsync(long accountId, ImportSource source, long? targetFolderId, long? jobId, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var limits = Limits;
        if (targetFolderId is { } target && await mailbox.GetFolderAsync(accountId, target, cancellationToken).ConfigureAwait(false) is null)
            throw new StoreException("The folder to import into does not exist.");
        var total = await source.CountAsync(limits, cancellationToken).ConfigureAwait(false);
        if (jobId is { } job)
            await store.SetImportJobStateAsync(job, ImportJob.Running, total, "", null, cancellationToken).ConfigureAwait(false);
        var folders = new FolderResolver(accountId, targetFolderId, mailbox, imap);
        long imported = 0, duplicates = 0, failed = 0, bytes = 0;
        var batch = new List<ImportMessage>();
        var batchBytes = 0L;
        var batchFailed = 0;
        var errors = new List<string>();
        var cursors = new Dictionary<string, ImapImportCursor>(StringComparer.Ordinal);
        progress?.Report(new ImportProgress(0, 0, 0, total));

        async Task<bool> FlushAsync()
        {
            if (batch.Count == 0 && batchFailed == 0 && cursors.Count == 0)
                return true;
            var result = await store.ImportBatchAsync(accountId, new ImportBatch(batch.ToList())
            {
                Cursors = cursors.Values.ToList(),
                JobId = jobId,
                Failed = batchFailed,
                Errors = errors.ToList(),
            }, cancellationToken).ConfigureAwait(false);
            imported += result.Imported;
            duplicates += result.Duplicates;
            failed += batchFailed;
            bytes += result.Bytes;
            batch.Clear();
            cursors.Clear();
            errors.Clear();
            batchFailed = 0;
            batchBytes = 0;
            progress?.Report(new ImportProgress(imported, duplicates, failed, total));
            return !result.QuotaStopped;
        }

        await foreach (var item in source.ReadAsync(limits, cancellationToken).ConfigureAwait(false))
        {
            if (item.Raw is null)
            {
                batchFailed++;
                errors.Add(item.Error ?? "a message could not be read");
            }
            else
            {
                foreach (var folder in item.Folders.Count == 0 ? [ImportFolder.Unnamed] : item.Folders)
                {
                    var (folderId, error) = await folders.ResolveAsync(folder, cancellationToken).ConfigureAwait(false);
                    if (folderId is { } id)
                    {
                        batch.Add(new ImportMessage(id, item.Raw, item.Flags, item.Keywords, item.InternalDate));
                        batchBytes += item.Raw.LongLength;
                    }
                    else
                    {
                        batchFailed++;
                        errors.Add(error!);
                    }
                }
            }
            if (item.Cursor is { } cursor)
                cursors[cursor.Folder] = cursor;
            if (batch.Count >= BatchMessages || batchBytes >= BatchBytes || batchFailed >= BatchMessages)
            {
                if (!await FlushAsync().ConfigureAwait(false))
                    return Stopped();
            }
        }
        if (!await FlushAsync().ConfigureAwait(false))
            return Stopped();
        var message = $"Imported {imported:N0} messages" + (duplicates > 0 ? $", skipped {duplicates:N0} already there" : "") + (failed > 0 ? $", {failed:N0} could not be imported" : "") + ".";
        logger.LogInformation("Import ({Kind}) into account {AccountId}: {Imported} imported, {Duplicates} duplicates, {Failed} failed", source.Kind, accountId, imported, duplicates, failed);
        return new ImportOutcome(imported, duplicates, failed, bytes, false, message);

        ImportOutcome Stopped()
        {
            logger.LogInformation("Import ({Kind}) into account {AccountId} stopped at the quota after {Imported} messages", source.Kind, accountId, imported);
            return new ImportOutcome(imported, duplicates, failed, bytes, true,
                $"Stopped: the mailbox is full (its quota is reached) after {imported:N0} messages. Free some space or ask for a larger quota, then run the import again: what is already imported is skipped.");
        }
    }

    /// <summary>Folders of the source → the account's folder ids, created on first use and remembered.</summary>
    private sealed class FolderResolver(long accountId, long? targetFolderId, IMailboxReader mailbox, IImapStore imap)
    {
        private readonly Dictionary<ImportFolder, (long?, string?)> _known = [];
        private FolderPaths? _paths;

        public async Task<(long? Id, string? Error)> ResolveAsync(ImportFolder folder, CancellationToken cancellationToken)
        {
            if (targetFolderId is { } target)
                return (target, null);
            if (_known.TryGetValue(folder, out var known))
                return known;
            (long?, string?) result;
            try
            {
                if (folder.Special != SpecialFolder.None || folder.Path.Length == 0)
                {
                    var special = folder.Special == SpecialFolder.None ? SpecialFolder.Inbox : folder.Special;
                    result = ((await mailbox.GetSpecialFolderAsync(accountId, special, cancellationToken).ConfigureAwait(false)).Id, null);
                }
                else
                {
                    _paths ??= new FolderPaths(await mailbox.GetFoldersAsync(accountId, cancellationToken).ConfigureAwait(false));
                    var path = folder.Path.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var existing = _paths.Find(string.Join('/', path));
                    if (existing is not null)
                        result = (existing.Id, null);
                    else
                    {
                        result = ((await imap.CreateFolderPathAsync(accountId, path, cancellationToken).ConfigureAwait(false)).Id, null);
                        _paths = null; // read the folders again: the new one (and its parents) are there now
                    }
                }
            }
            catch (StoreException e)
            {
                result = (null, $"folder '{Shown(folder.Path)}': {e.Message}");
            }
            _known[folder] = result;
            return result;
        }

        private static string Shown(string name) => name.Length <= 100 ? name : name[..99] + "…";
    }
}
