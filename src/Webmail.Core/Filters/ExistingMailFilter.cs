using MimeKit;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Sieve;
using Webmail.Sieve.Actions;

namespace Webmail.Core.Filters;

/// <summary>How far a run over stored mail has come.</summary>
public sealed record ExistingMailProgress(int Done, int Total, int Moved, int Flagged);

/// <summary>What a run over stored mail did.</summary>
/// <param name="Matched">Messages the rule matched.</param>
/// <param name="NotApplied">Matched messages whose forward, delete or vacation actions were left alone (they act on delivery only).</param>
/// <param name="Limited">The folder held more than <see cref="ExistingMailFilter.MaxMessages"/>: only the newest were looked at.</param>
/// <param name="Problem">Why some matches could not be filed (a folder that does not exist), or null.</param>
public sealed record ExistingMailResult(int Scanned, int Matched, int Moved, int Flagged, int NotApplied, bool Limited, bool Cancelled, string? Problem);

/// <summary>
/// "Run on existing mail in this folder": runs one rule through the Sieve interpreter against each
/// message already stored in a folder and carries out what can be carried out on stored mail — the
/// move of a fileinto and the \Seen / \Flagged flags — one store call per message, as the mailbox
/// UI's own moves and flags are. Forwarding, deleting and vacation replies act on delivery only:
/// applying them to old mail (forwarding a year of it, deleting without Trash) is not what people mean.
/// </summary>
public sealed class ExistingMailFilter(IMailboxReader reader, IMailboxWriter writer, TimeProvider clock)
{
    /// <summary>A run looks at no more than this many messages, the newest.</summary>
    public const int MaxMessages = 10_000;

    private const int PageSize = 500;

    /// <param name="progress">Told after every message at most every few messages; the last report has <c>Done == Total</c>.</param>
    public async Task<ExistingMailResult> RunAsync(Account account, FilterRule rule, long folderId, IProgress<ExistingMailProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(rule);
        var parsed = SieveScript.Parse(FilterScript.WriteSingle(rule));
        if (!parsed.Succeeded)
            return new(0, 0, 0, 0, 0, false, false, parsed.ErrorText);
        var script = parsed.Script!;
        var paths = new FolderPaths(await reader.GetFoldersAsync(account.Id, cancellationToken).ConfigureAwait(false));
        if (paths.Folders.All(f => f.Id != folderId))
            return new(0, 0, 0, 0, 0, false, false, "That folder does not exist.");

        // Ids first, then one message at a time: moving messages out of the folder must not shift the pages being read.
        var messages = new List<MessageSummary>();
        var limited = false;
        for (var page = 0; ; page++)
        {
            var batch = await reader.ListAsync(account.Id, folderId, page, PageSize, MessageSort.DateDescending, cancellationToken).ConfigureAwait(false);
            messages.AddRange(batch.Items);
            if (messages.Count >= MaxMessages)
            {
                limited = messages.Count > MaxMessages || batch.Total > MaxMessages;
                messages.RemoveRange(MaxMessages, messages.Count - MaxMessages);
                break;
            }
            if (batch.Items.Count < PageSize)
                break;
        }

        int done = 0, matched = 0, moved = 0, flagged = 0, notApplied = 0;
        string? problem = null;
        var context = new SieveRunContext { Now = clock.GetUtcNow(), MailboxExists = name => paths.Find(name) is not null };
        try
        {
            foreach (var summary in messages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var raw = await reader.GetRawAsync(account.Id, summary.Id, cancellationToken).ConfigureAwait(false);
                done++;
                if (raw is not null)
                {
                    var result = script.Run(SieveMessage.Parse(raw), new SieveEnvelope(summary.FromAddress, account.Address, null), context);
                    var outcome = Apply(result, summary, folderId, paths);
                    if (outcome.Matched)
                        matched++;
                    if (outcome.Unapplied)
                        notApplied++;
                    problem ??= outcome.Problem;
                    if (outcome.Flags != MessageFlags.None)
                    {
                        await writer.SetFlagsAsync(account.Id, [summary.Id], outcome.Flags, true, cancellationToken).ConfigureAwait(false);
                        flagged++;
                    }
                    if (outcome.Target is { } target)
                    {
                        await writer.MoveAsync(account.Id, [summary.Id], target, cancellationToken).ConfigureAwait(false);
                        moved++;
                    }
                }
                if (done % 20 == 0 || done == messages.Count)
                    progress?.Report(new(done, messages.Count, moved, flagged));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new(done, matched, moved, flagged, notApplied, limited, true, problem);
        }
        if (messages.Count == 0)
            progress?.Report(new(0, 0, 0, 0));
        return new(done, matched, moved, flagged, notApplied, limited, false, problem);
    }

    private readonly record struct Outcome(bool Matched, MessageFlags Flags, long? Target, bool Unapplied, string? Problem);

    private static Outcome Apply(SieveResult result, MessageSummary summary, long folderId, FolderPaths paths)
    {
        if (result.Failed)
            return new(false, MessageFlags.None, null, false, result.Error!.ToString());
        IReadOnlyList<string> flags = [];
        long? target = null;
        string? problem = null;
        var matched = false;
        var unapplied = false;
        foreach (var action in result.Actions)
        {
            switch (action)
            {
                case KeepAction keep:
                    flags = keep.Flags;
                    matched |= !keep.Implicit || keep.Flags.Count > 0;
                    break;
                case FileIntoAction fileinto:
                    matched = true;
                    flags = fileinto.Flags;
                    if (paths.Find(fileinto.Mailbox) is not { } folder)
                        problem = $"There is no folder \"{fileinto.Mailbox}\".";
                    else if (folder.Id != folderId && !fileinto.Copy)
                        target = folder.Id;
                    break;
                default:
                    matched = true;
                    unapplied = true;
                    break;
            }
        }
        var add = MessageFlags.None;
        if (flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase) && !summary.Flags.HasFlag(MessageFlags.Seen))
            add |= MessageFlags.Seen;
        if (flags.Contains("\\Flagged", StringComparer.OrdinalIgnoreCase) && !summary.Flags.HasFlag(MessageFlags.Flagged))
            add |= MessageFlags.Flagged;
        return new(matched, add, target, unapplied, problem);
    }
}
