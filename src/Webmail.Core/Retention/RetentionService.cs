using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Core.Retention;

/// <summary>What one retention pass did for one account.</summary>
public sealed record RetentionCounts(long AccountId, int TrashDeleted, int JunkDeleted, int Archived)
{
    public int Total => TrashDeleted + JunkDeleted + Archived;
}

/// <summary>
/// Retention: messages in Trash and Junk are deleted N days after they arrived there, and read, unflagged
/// inbox mail older than N days moves to Archive — per account (<see cref="AccountSettings.TrashRetentionDays"/>,
/// <see cref="AccountSettings.ArchiveReadAfterDays"/>) or the server's default (<see cref="RetentionOptions"/>).
/// Work goes in small batches (<see cref="RetentionOptions.BatchSize"/>, one commit each) through
/// <see cref="IMailboxWriter"/> — the delete and move every door uses — so open IMAP and web sessions learn
/// of it as of any other change. A message's time in Trash or Junk counts from the first pass that sees
/// it there (<see cref="IRetentionStore.MarkRetentionStartAsync"/>), so it is at most one interval late.
/// Each account's counts go to the audit log (<c>retention.run</c>).
/// </summary>
public sealed class RetentionService(IRetentionStore retention, IMailboxReader mailbox, IMailboxWriter writer, IDirectoryStore directory, IAuditLog audit,
    IOptionsMonitor<WebmailOptions> options, TimeProvider time, ILogger<RetentionService> logger)
{
    public const int MaxDays = 3650;

    /// <summary>The days that apply to an account: its own choice, else the server's default; 0 means never.</summary>
    public (int TrashDays, int ArchiveDays) Effective(AccountSettings settings)
    {
        var defaults = options.CurrentValue.Retention;
        return (settings.TrashRetentionDays ?? defaults.TrashDays, settings.ArchiveReadAfterDays ?? defaults.ArchiveReadAfterDays);
    }

    /// <summary>One pass over every account; returns the accounts where something happened.</summary>
    public async Task<IReadOnlyList<RetentionCounts>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var done = new List<RetentionCounts>();
        foreach (var accountId in await retention.AccountIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            var counts = await RunForAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
            if (counts.Total > 0)
                done.Add(counts);
        }
        return done;
    }

    public async Task<RetentionCounts> RunForAccountAsync(long accountId, CancellationToken cancellationToken)
    {
        var account = await directory.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        if (account is null)
            return new RetentionCounts(accountId, 0, 0, 0);
        var (trashDays, archiveDays) = Effective(await directory.GetSettingsAsync(accountId, cancellationToken).ConfigureAwait(false));
        var now = time.GetUtcNow();
        var batch = Math.Max(1, options.CurrentValue.Retention.BatchSize);
        var trash = await ExpireAsync(accountId, SpecialFolder.Trash, trashDays, now, batch, cancellationToken).ConfigureAwait(false);
        var junk = await ExpireAsync(accountId, SpecialFolder.Junk, trashDays, now, batch, cancellationToken).ConfigureAwait(false);
        var archived = 0;
        if (archiveDays > 0)
        {
            var inbox = await mailbox.GetSpecialFolderAsync(accountId, SpecialFolder.Inbox, cancellationToken).ConfigureAwait(false);
            var archive = await mailbox.GetSpecialFolderAsync(accountId, SpecialFolder.Archive, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var ids = await retention.ReadBeforeAsync(accountId, inbox.Id, now.AddDays(-archiveDays), batch, cancellationToken).ConfigureAwait(false);
                if (ids.Count == 0)
                    break;
                var moved = (await writer.MoveAsync(accountId, ids, archive.Id, cancellationToken).ConfigureAwait(false)).Count;
                archived += moved;
                if (ids.Count < batch || moved == 0)
                    break;
            }
        }
        var counts = new RetentionCounts(accountId, trash, junk, archived);
        if (counts.Total > 0)
        {
            await audit.WriteAsync("retention", "retention.run", account.Address,
                $"deleted {trash} from Trash and {junk} from Junk after {trashDays} days; archived {archived} read messages older than {archiveDays} days", null, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Retention for {Address}: {Trash} deleted from Trash, {Junk} from Junk, {Archived} archived", account.Address, trash, junk, archived);
        }
        return counts;
    }

    /// <summary>Marks what is new in the folder, then deletes what has been there longer than the days.</summary>
    private async Task<int> ExpireAsync(long accountId, SpecialFolder special, int days, DateTimeOffset now, int batch, CancellationToken cancellationToken)
    {
        var folder = await mailbox.GetSpecialFolderAsync(accountId, special, cancellationToken).ConfigureAwait(false);
        while (await retention.MarkRetentionStartAsync(accountId, folder.Id, now, batch, cancellationToken).ConfigureAwait(false) == batch)
        {
        }
        if (days <= 0)
            return 0;
        var deleted = 0;
        while (true)
        {
            var ids = await retention.ExpiredInFolderAsync(accountId, folder.Id, now.AddDays(-days), batch, cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
                break;
            deleted += await writer.DeleteAsync(accountId, ids, cancellationToken).ConfigureAwait(false);
            if (ids.Count < batch)
                break;
        }
        return deleted;
    }
}
