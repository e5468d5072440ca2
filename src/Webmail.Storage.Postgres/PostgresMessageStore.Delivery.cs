using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>Delivery: one message into several mailboxes and the queue, with everything else its action changes, as one transaction.</summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>Only a message still in the account's Drafts folder is removed as the draft a sent message replaces.</summary>
    private static readonly string InDrafts = $"id = @x AND folder_id = (SELECT id FROM folders WHERE account_id = @a AND special_use = {(int)SpecialFolder.Drafts})";

    public Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken) =>
        DeliverAsync(request, cancellationToken, alsoInTransaction: null);

    /// <summary>Delivers, running <paramref name="alsoInTransaction"/> in the same transaction (the queue's removal of an entry with its bounce).</summary>
    internal async Task<DeliveryReceipt> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken, Func<PostgresUnit, Task>? alsoInTransaction)
    {
        var bytes = AsArray(request.Raw);
        var parsed = request.Mailboxes.Count > 0 ? MessageParser.Parse(bytes, MaxMimeDepth) : null;
        // Parsing happens before the transaction: the unit below only writes.
        var copies = request.Mailboxes.Select(m => m.TraceHeader is { Length: > 0 } trace ? Prefixed(trace, bytes) : bytes).ToList();
        var generated = (request.Generated ?? []).Select(g =>
        {
            var raw = AsArray(g.Raw);
            return (Message: g, Raw: raw, Parsed: g.LocalAccounts is { Count: > 0 } ? MessageParser.Parse(raw, MaxMimeDepth) : null);
        }).ToList();
        var now = time.GetUtcNow();
        return await WriteAsync(async unit =>
        {
            // Every account the delivery may write to, locked up front in id order (see PostgresMessageInserter).
            var accounts = request.Mailboxes.Select(m => m.AccountId)
                .Concat(generated.SelectMany(g => g.Message.LocalAccounts ?? []))
                .Concat(request.SenderChanges is { } sender ? [sender.AccountId] : []);
            await PostgresMessageInserter.LockAccountsAsync(unit, accounts).ConfigureAwait(false);
            var results = new MailboxResult?[request.Mailboxes.Count];
            var counts = new Dictionary<MailEventKind, int>();
            var queued = new List<long>();
            var suppressed = 0;
            // Copies are grouped by the account whose delivery they are (its Sieve script may file several copies and
            // redirect to another local account): a group is stored whole or, over quota, not at all.
            foreach (var group in Enumerable.Range(0, request.Mailboxes.Count).GroupBy(i => request.Mailboxes[i].OwnerId))
            {
                // A copy that does not enforce quota (the sender's Sent copy) is stored whatever its group's fate.
                var refused = await GroupOverQuotaAsync(unit, group.Select(i => (request.Mailboxes[i], copies[i].LongLength))).ConfigureAwait(false);
                foreach (var i in group)
                {
                    var mailbox = request.Mailboxes[i];
                    if (refused && mailbox.EnforceQuota)
                    {
                        results[i] = new MailboxResult(mailbox.AccountId, null, true);
                        continue;
                    }
                    var (folderId, missing) = mailbox.FolderPath is { } path
                        ? await PostgresFolderPaths.ResolveAsync(unit, mailbox.AccountId, path, mailbox.CreateFolder, now).ConfigureAwait(false)
                        : (await PostgresMessageInserter.FolderIdOfAsync(unit, mailbox.AccountId, mailbox.Folder).ConfigureAwait(false), false);
                    var keywords = mailbox.Keywords is { Count: > 0 } words ? string.Join(' ', words.Take(Keywords.MaxPerMessage)) : "";
                    var stored = await PostgresMessageInserter.InsertAsync(unit, mailbox.AccountId, folderId, copies[i], parsed!, mailbox.Flags, now, keywords).ConfigureAwait(false);
                    results[i] = new MailboxResult(mailbox.AccountId, stored, false, missing);
                    if (mailbox.Counts is { } kind)
                        counts[kind] = counts.GetValueOrDefault(kind) + 1;
                    unit.AfterCommit(() => notifier.Publish(new MailboxChange(mailbox.AccountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
                }
            }
            var refusedOwners = request.Mailboxes.Where((m, i) => results[i]!.QuotaExceeded).Select(m => m.OwnerId).ToHashSet();

            if (request.Outbound is { Recipients.Count: > 0 } envelope)
                queued.AddRange(await EnqueueAsync(unit, bytes, envelope, now).ConfigureAwait(false));
            foreach (var (message, raw, parsedReply) in generated)
            {
                if (refusedOwners.Contains(message.Owner))
                    continue;
                if (message.Vacation is { } vacation && !await VacationDueAsync(unit, message.Owner, vacation, now).ConfigureAwait(false))
                {
                    suppressed++;
                    continue;
                }
                if (message.Envelope.Recipients.Count > 0)
                    queued.AddRange(await EnqueueAsync(unit, raw, message.Envelope, now).ConfigureAwait(false));
                foreach (var accountId in message.LocalAccounts ?? [])
                {
                    if (await PostgresMessageInserter.OverQuotaAsync(unit, accountId, raw.LongLength).ConfigureAwait(false))
                        continue; // a reply or a rejection notice is not worth failing the delivery for
                    var folderId = await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, SpecialFolder.Inbox).ConfigureAwait(false);
                    var stored = await PostgresMessageInserter.InsertAsync(unit, accountId, folderId, raw, parsedReply!, MessageFlags.None, now).ConfigureAwait(false);
                    unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
                }
            }
            if (request.SenderChanges is { } changes)
                await ApplySenderChangesAsync(unit, changes).ConfigureAwait(false);
            foreach (var (kind, count) in counts)
                await PostgresAuditLog.CountMailEventAsync(unit, kind, count, now).ConfigureAwait(false);
            if (alsoInTransaction is not null)
                await alsoInTransaction(unit).ConfigureAwait(false);
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
    private static async Task<bool> GroupOverQuotaAsync(PostgresUnit unit, IEnumerable<(MailboxDelivery Mailbox, long Size)> copies)
    {
        foreach (var account in copies.Where(c => c.Mailbox.EnforceQuota).GroupBy(c => c.Mailbox.AccountId))
        {
            if (await PostgresMessageInserter.OverQuotaAsync(unit, account.Key, account.Sum(c => c.Size)).ConfigureAwait(false))
                return true;
        }
        return false;
    }

    /// <summary>
    /// RFC 5230 §4.2: a reply for this handle goes to this sender at most once per period. Checked and recorded in the
    /// delivery's own transaction under the account's row lock, so two deliveries at once (on any node) cannot both reply.
    /// </summary>
    private static async Task<bool> VacationDueAsync(PostgresUnit unit, long accountId, VacationGuard vacation, DateTimeOffset now)
    {
        var handle = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(vacation.Handle)));
        var until = await unit.Sql("SELECT until FROM sieve_vacation_replies WHERE account_id = @a AND handle = @h AND sender = @s")
            .With("a", accountId).With("h", handle).With("s", vacation.Sender).LongOrNullAsync().ConfigureAwait(false);
        if (until is { } known && known > now.ToUnixMs())
            return false;
        await unit.Sql("DELETE FROM sieve_vacation_replies WHERE account_id = @a AND until <= @now").With("a", accountId).With("now", now.ToUnixMs()).ExecuteAsync().ConfigureAwait(false);
        await unit.Sql("INSERT INTO sieve_vacation_replies (account_id, handle, sender, until) VALUES (@a, @h, @s, @u) " +
                "ON CONFLICT (account_id, handle, sender) DO UPDATE SET until = excluded.until")
            .With("a", accountId).With("h", handle).With("s", vacation.Sender).With("u", vacation.Until.ToUnixMs()).ExecuteAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Inside the delivery's unit: the draft goes and the flags and keywords are added, scoped to the sending account.</summary>
    private async Task ApplySenderChangesAsync(PostgresUnit unit, SenderMailboxChanges changes)
    {
        if (changes.RemoveDraftId is { } draft)
            await DeleteWhereAsync(unit, changes.AccountId, InDrafts, draft).ConfigureAwait(false);
        if (changes.ReleasedHoldId is { } held)
            await unit.Sql("DELETE FROM held_submissions WHERE id = @h AND account_id = @a").With("h", held).With("a", changes.AccountId).ExecuteAsync().ConfigureAwait(false);
        foreach (var addition in changes.AddFlags ?? [])
        {
            if (addition.Flags != MessageFlags.None)
                await SetFlagsAsync(unit, changes.AccountId, [addition.MessageId], addition.Flags, set: true).ConfigureAwait(false);
            if (addition.Keywords is { Count: > 0 } keywords)
                await EditKeywordsAsync(unit, changes.AccountId, addition.MessageId, new KeywordEdit(keywords, [])).ConfigureAwait(false);
        }
    }

    // The queue is the directory side's table (PostgresOutboundQueueStore), written inside the delivery's own
    // transaction; its statements are here and the queue store's EnqueueAsync runs them in a unit of its own.

    /// <summary>Inside a unit: queues the message for its remote recipients, one entry per domain (as SqliteOutboundQueueStore.Enqueue).</summary>
    internal static async Task<IReadOnlyList<long>> EnqueueAsync(PostgresUnit unit, byte[] raw, OutboundEnvelope envelope, DateTimeOffset now)
    {
        var messageId = await unit.Sql("INSERT INTO outbound_messages (raw, mail_from, sender_account_id, created_at) VALUES (@r, @f, @s, @t) RETURNING id")
            .With("r", raw).With("f", envelope.MailFrom).With("s", envelope.SenderAccountId).With("t", now.ToUnixMs()).LongAsync().ConfigureAwait(false);
        var ids = new List<long>();
        foreach (var group in envelope.Recipients.GroupBy(AddressRules.DomainOf, StringComparer.OrdinalIgnoreCase))
        {
            ids.Add(await unit.Sql("INSERT INTO outbound_queue (message_id, domain, recipients, created_at, next_attempt_at) VALUES (@m, @d, @r, @t, @t) RETURNING id")
                .With("m", messageId).With("d", group.Key.ToLowerInvariant()).With("r", JsonSerializer.Serialize(group.Distinct(StringComparer.OrdinalIgnoreCase).ToList()))
                .With("t", now.ToUnixMs()).LongAsync().ConfigureAwait(false));
        }
        return ids;
    }
}
