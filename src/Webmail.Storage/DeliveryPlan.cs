using System.Security.Cryptography;
using System.Text;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// What one delivery writes, decided once for both providers: copies grouped by the account whose delivery they are
/// (stored whole or, over quota, not at all), the queue entries, the generated replies and notices (skipped for an
/// owner whose copies were refused, a vacation reply at most once per period), the sender's mailbox changes and the
/// counters. Each provider gives it the statements of its own unit of work (<see cref="IWrites"/>): SQLite's writer,
/// where every step completes at once (<see cref="SqliteMessageStore"/>), and PostgreSQL's transaction.
/// </summary>
internal static class DeliveryPlan
{
    /// <summary>A generated message with its bytes, parsed when a local account gets a copy.</summary>
    public sealed record GeneratedCopy(GeneratedMessage Message, byte[] Raw, ParsedMessage? Parsed);

    /// <summary>The request's bytes and parses, made before the unit of work: the unit only writes.</summary>
    public sealed record Prepared(byte[] Raw, ParsedMessage? Parsed, IReadOnlyList<byte[]> Copies, IReadOnlyList<GeneratedCopy> Generated);

    /// <summary>The statements of one provider's unit of work.</summary>
    public interface IWrites
    {
        /// <summary>True when <paramref name="size"/> more bytes would take the account past its quota (or it is gone).</summary>
        ValueTask<bool> OverQuotaAsync(long accountId, long size);

        ValueTask<long> FolderIdOfAsync(long accountId, SpecialFolder folder);

        /// <summary>The folder named by a full path (IMAP/Sieve form), see <see cref="FolderPaths.WalkAsync"/>.</summary>
        ValueTask<(long FolderId, bool Missing)> ResolveFolderAsync(long accountId, string path, bool create);

        ValueTask<StoredMessage> InsertAsync(long accountId, long folderId, byte[] raw, ParsedMessage parsed, MessageFlags flags, string keywords);

        ValueTask<IReadOnlyList<long>> EnqueueAsync(byte[] raw, OutboundEnvelope envelope);

        /// <summary>The last reply for this digest of the handle to this sender is valid until (Unix ms), or null.</summary>
        ValueTask<long?> VacationUntilAsync(long accountId, string handleDigest, string sender);

        /// <summary>Records the reply's period and drops the account's expired ones.</summary>
        ValueTask RecordVacationAsync(long accountId, string handleDigest, string sender, long until);

        ValueTask ApplySenderChangesAsync(SenderMailboxChanges changes);

        ValueTask CountMailEventAsync(MailEventKind kind, int count);

        /// <summary>Runs <paramref name="action"/> once the unit has committed.</summary>
        void AfterCommit(Action action);
    }

    /// <summary>Parses the message (once, for every copy) and builds each copy's bytes, on the caller's thread.</summary>
    public static Prepared Prepare(DeliveryRequest request, int maxMimeDepth)
    {
        var bytes = RawBytes.AsArray(request.Raw);
        var parsed = request.Mailboxes.Count > 0 ? MessageParser.Parse(bytes, maxMimeDepth) : null;
        var copies = request.Mailboxes.Select(m => m.TraceHeader is { Length: > 0 } trace ? Prefixed(trace, bytes) : bytes).ToList();
        var generated = (request.Generated ?? []).Select(g =>
        {
            var raw = RawBytes.AsArray(g.Raw);
            return new GeneratedCopy(g, raw, g.LocalAccounts is { Count: > 0 } ? MessageParser.Parse(raw, maxMimeDepth) : null);
        }).ToList();
        return new Prepared(bytes, parsed, copies, generated);
    }

    /// <summary>Every account the delivery may write to (PostgreSQL locks them up front, in id order).</summary>
    public static IEnumerable<long> Accounts(DeliveryRequest request) =>
        request.Mailboxes.Select(m => m.AccountId)
            .Concat((request.Generated ?? []).SelectMany(g => g.LocalAccounts ?? []))
            .Concat(request.SenderChanges is { } sender ? [sender.AccountId] : []);

    /// <summary>Writes the delivery through <paramref name="writes"/>, inside the provider's unit of work.</summary>
    public static async ValueTask<DeliveryReceipt> WriteAsync(DeliveryRequest request, Prepared prepared, IWrites writes, MailboxNotifier notifier, DateTimeOffset now)
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
            var refused = await GroupOverQuotaAsync(writes, group.Select(i => (request.Mailboxes[i], prepared.Copies[i].LongLength))).ConfigureAwait(false);
            foreach (var i in group)
            {
                var mailbox = request.Mailboxes[i];
                if (refused && mailbox.EnforceQuota)
                {
                    results[i] = new MailboxResult(mailbox.AccountId, null, true);
                    continue;
                }
                var (folderId, missing) = mailbox.FolderPath is { } path
                    ? await writes.ResolveFolderAsync(mailbox.AccountId, path, mailbox.CreateFolder).ConfigureAwait(false)
                    : (await writes.FolderIdOfAsync(mailbox.AccountId, mailbox.Folder).ConfigureAwait(false), false);
                var keywords = mailbox.Keywords is { Count: > 0 } words ? string.Join(' ', words.Take(Keywords.MaxPerMessage)) : "";
                var stored = await writes.InsertAsync(mailbox.AccountId, folderId, prepared.Copies[i], prepared.Parsed!, mailbox.Flags, keywords).ConfigureAwait(false);
                results[i] = new MailboxResult(mailbox.AccountId, stored, false, missing);
                if (mailbox.Counts is { } kind)
                    counts[kind] = counts.GetValueOrDefault(kind) + 1;
                writes.AfterCommit(() => notifier.Publish(new MailboxChange(mailbox.AccountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            }
        }
        var refusedOwners = request.Mailboxes.Where((m, i) => results[i]!.QuotaExceeded).Select(m => m.OwnerId).ToHashSet();

        if (request.Outbound is { Recipients.Count: > 0 } envelope)
            queued.AddRange(await writes.EnqueueAsync(prepared.Raw, envelope).ConfigureAwait(false));
        foreach (var (message, raw, parsedReply) in prepared.Generated)
        {
            if (refusedOwners.Contains(message.Owner))
                continue;
            if (message.Vacation is { } vacation && !await VacationDueAsync(writes, message.Owner, vacation, now).ConfigureAwait(false))
            {
                suppressed++;
                continue;
            }
            if (message.Envelope.Recipients.Count > 0)
                queued.AddRange(await writes.EnqueueAsync(raw, message.Envelope).ConfigureAwait(false));
            foreach (var accountId in message.LocalAccounts ?? [])
            {
                if (await writes.OverQuotaAsync(accountId, raw.LongLength).ConfigureAwait(false))
                    continue; // a reply or a rejection notice is not worth failing the delivery for
                var folderId = await writes.FolderIdOfAsync(accountId, SpecialFolder.Inbox).ConfigureAwait(false);
                var stored = await writes.InsertAsync(accountId, folderId, raw, parsedReply!, MessageFlags.None, "").ConfigureAwait(false);
                writes.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            }
        }
        if (request.SenderChanges is { } changes)
            await writes.ApplySenderChangesAsync(changes).ConfigureAwait(false);
        foreach (var (kind, count) in counts)
            await writes.CountMailEventAsync(kind, count).ConfigureAwait(false);
        return new DeliveryReceipt(results!, queued, suppressed);
    }

    /// <summary>True when some account would pass its quota with the group's copies for it (copies that enforce quota only).</summary>
    private static async ValueTask<bool> GroupOverQuotaAsync(IWrites writes, IEnumerable<(MailboxDelivery Mailbox, long Size)> copies)
    {
        foreach (var account in copies.Where(c => c.Mailbox.EnforceQuota).GroupBy(c => c.Mailbox.AccountId))
        {
            if (await writes.OverQuotaAsync(account.Key, account.Sum(c => c.Size)).ConfigureAwait(false))
                return true;
        }
        return false;
    }

    /// <summary>
    /// RFC 5230 §4.2: a reply for this handle goes to this sender at most once per period. Checked and recorded in the
    /// delivery's own unit (SQLite's single writer; PostgreSQL's account row lock, on any node), so two deliveries at
    /// once cannot both reply.
    /// </summary>
    private static async ValueTask<bool> VacationDueAsync(IWrites writes, long accountId, VacationGuard vacation, DateTimeOffset now)
    {
        var handle = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(vacation.Handle)));
        if (await writes.VacationUntilAsync(accountId, handle, vacation.Sender).ConfigureAwait(false) is { } until && until > now.ToUnixMs())
            return false;
        await writes.RecordVacationAsync(accountId, handle, vacation.Sender, vacation.Until.ToUnixMs()).ConfigureAwait(false);
        return true;
    }

    private static byte[] Prefixed(string trace, byte[] bytes)
    {
        var head = Encoding.UTF8.GetBytes(trace);
        var copy = new byte[head.Length + bytes.Length];
        head.CopyTo(copy, 0);
        bytes.CopyTo(copy, head.Length);
        return copy;
    }
}
