using System.Security.Cryptography;
using System.Text;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>Delivery: one message into several mailboxes and the queue, with everything else its action changes, as one unit of work.</summary>
public sealed partial class SqliteMessageStore
{
    /// <summary>Only a message still in the account's Drafts folder is removed as the draft a sent message replaces.</summary>
    private static readonly string InDrafts = $"id = $x AND folder_id = (SELECT id FROM folders WHERE account_id = $a AND special_use = {(int)SpecialFolder.Drafts})";

    public Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken) =>
        DeliverAsync(request, cancellationToken, alsoInTransaction: null);

    /// <summary>Delivers, running <paramref name="alsoInTransaction"/> in the same transaction (queue removal with a bounce).</summary>
    internal async Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken, Action<WriteContext>? alsoInTransaction)
    {
        var bytes = AsArray(request.Raw);
        var parsed = request.Mailboxes.Count > 0 ? MessageParser.Parse(bytes, MaxMimeDepth) : null;
        // Parsing happens here, on the caller's thread: the unit below only writes.
        var copies = request.Mailboxes.Select(m => m.TraceHeader is { Length: > 0 } trace ? Prefixed(trace, bytes) : bytes).ToList();
        var generated = (request.Generated ?? []).Select(g =>
        {
            var raw = AsArray(g.Raw);
            return (Message: g, Raw: raw, Parsed: g.LocalAccounts is { Count: > 0 } ? MessageParser.Parse(raw, MaxMimeDepth) : null);
        }).ToList();
        var now = time.GetUtcNow();
        return await Writer.ExecuteAsync(context =>
        {
            var results = new MailboxResult?[request.Mailboxes.Count];
            var counts = new Dictionary<MailEventKind, int>();
            var queued = new List<long>();
            var suppressed = 0;
            // Copies are grouped by the account whose delivery they are (its Sieve script may file several copies and
            // redirect to another local account): a group is stored whole or, over quota, not at all.
            foreach (var group in Enumerable.Range(0, request.Mailboxes.Count).GroupBy(i => request.Mailboxes[i].OwnerId))
            {
                // A copy that does not enforce quota (the sender's Sent copy) is stored whatever its group's fate.
                var refused = GroupOverQuota(context, group.Select(i => (request.Mailboxes[i], copies[i].LongLength)));
                foreach (var i in group)
                {
                    var mailbox = request.Mailboxes[i];
                    if (refused && mailbox.EnforceQuota)
                    {
                        results[i] = new MailboxResult(mailbox.AccountId, null, true);
                        continue;
                    }
                    var (folderId, missing) = mailbox.FolderPath is { } path
                        ? FolderPaths.Resolve(context, mailbox.AccountId, path, mailbox.CreateFolder, now)
                        : (MessageInserter.FolderIdOf(context, mailbox.AccountId, mailbox.Folder), false);
                    var keywords = mailbox.Keywords is { Count: > 0 } words ? string.Join(' ', words.Take(Keywords.MaxPerMessage)) : "";
                    var stored = MessageInserter.Insert(context, mailbox.AccountId, folderId, copies[i], parsed!, mailbox.Flags, now, keywords);
                    results[i] = new MailboxResult(mailbox.AccountId, stored, false, missing);
                    if (mailbox.Counts is { } kind)
                        counts[kind] = counts.GetValueOrDefault(kind) + 1;
                    context.AfterCommit(() => notifier.Publish(new MailboxChange(mailbox.AccountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
                }
            }
            var refusedOwners = request.Mailboxes.Where((m, i) => results[i]!.QuotaExceeded).Select(m => m.OwnerId).ToHashSet();

            if (request.Outbound is { Recipients.Count: > 0 } envelope)
                queued.AddRange(SqliteOutboundQueueStore.Enqueue(context, bytes, envelope, now));
            foreach (var (message, raw, parsedReply) in generated)
            {
                if (refusedOwners.Contains(message.Owner))
                    continue;
                if (message.Vacation is { } vacation && !VacationDue(context, message.Owner, vacation, now))
                {
                    suppressed++;
                    continue;
                }
                if (message.Envelope.Recipients.Count > 0)
                    queued.AddRange(SqliteOutboundQueueStore.Enqueue(context, raw, message.Envelope, now));
                foreach (var accountId in message.LocalAccounts ?? [])
                {
                    if (OverQuotaOrMissing(context, accountId, raw.LongLength))
                        continue; // a reply or a rejection notice is not worth failing the delivery for
                    var folderId = MessageInserter.FolderIdOf(context, accountId, SpecialFolder.Inbox);
                    var stored = MessageInserter.Insert(context, accountId, folderId, raw, parsedReply!, MessageFlags.None, now);
                    context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
                }
            }
            if (request.SenderChanges is { } changes)
                ApplySenderChanges(context, changes);
            foreach (var (kind, count) in counts)
                SqliteAuditLog.CountMailEvent(context, kind, count, now);
            alsoInTransaction?.Invoke(context);
            return new DeliveryReceipt(results!, queued, suppressed);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Prefixed(string trace, byte[] bytes)
    {
        var head = Encoding.UTF8.GetBytes(trace);
        var copy = new byte[head.Length + bytes.Length];
        head.CopyTo(copy, 0);
        bytes.CopyTo(copy, head.Length);
        return copy;
    }

    /// <summary>True when some account would pass its quota with the group's copies for it (copies that enforce quota only).</summary>
    private static bool GroupOverQuota(WriteContext context, IEnumerable<(MailboxDelivery Mailbox, long Size)> copies)
    {
        foreach (var account in copies.Where(c => c.Mailbox.EnforceQuota).GroupBy(c => c.Mailbox.AccountId))
        {
            if (OverQuotaOrMissing(context, account.Key, account.Sum(c => c.Size)))
                return true;
        }
        return false;
    }

    /// <summary>
    /// RFC 5230 §4.2: a reply for this handle goes to this sender at most once per period. Checked and recorded in the
    /// delivery's own transaction, so two deliveries at once cannot both reply. Expired rows of the account go here too.
    /// </summary>
    private static bool VacationDue(WriteContext context, long accountId, VacationGuard vacation, DateTimeOffset now)
    {
        var handle = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(vacation.Handle)));
        var until = context.Command("SELECT until FROM sieve_vacation_replies WHERE account_id = $a AND handle = $h AND sender = $s")
            .With("$a", accountId).With("$h", handle).With("$s", vacation.Sender).ExecuteScalar();
        if (until is long known && known > now.ToUnixMs())
            return false;
        context.Command("DELETE FROM sieve_vacation_replies WHERE account_id = $a AND until <= $now").With("$a", accountId).With("$now", now.ToUnixMs()).ExecuteNonQuery();
        context.Command("INSERT OR REPLACE INTO sieve_vacation_replies (account_id, handle, sender, until) VALUES ($a, $h, $s, $u)")
            .With("$a", accountId).With("$h", handle).With("$s", vacation.Sender).With("$u", vacation.Until.ToUnixMs()).ExecuteNonQuery();
        return true;
    }

    /// <summary>Inside the delivery's unit: the draft goes and the flags and keywords are added, scoped to the sending account.</summary>
    private void ApplySenderChanges(WriteContext context, SenderMailboxChanges changes)
    {
        if (changes.RemoveDraftId is { } draft)
            DeleteWhere(context, changes.AccountId, InDrafts, draft);
        if (changes.ReleasedHoldId is { } held)
            context.Command("DELETE FROM held_submissions WHERE id = $h AND account_id = $a").With("$h", held).With("$a", changes.AccountId).ExecuteNonQuery();
        foreach (var addition in changes.AddFlags ?? [])
        {
            if (addition.Flags != MessageFlags.None)
                SetFlags(context, changes.AccountId, [addition.MessageId], addition.Flags, set: true);
            if (addition.Keywords is { Count: > 0 } keywords)
                EditKeywords(context, changes.AccountId, addition.MessageId, new KeywordEdit(keywords, []));
        }
    }
}
