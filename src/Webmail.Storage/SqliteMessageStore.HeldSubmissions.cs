using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>Undo send: held submissions, each leaving in one transaction (released by a delivery, or back into Drafts).</summary>
public sealed partial class SqliteMessageStore
{
    private const string HeldColumns = "id, account_id, raw, release_at, original_id, mode";

    public Task<long> HoldAsync(NewHeldSubmission submission, long? removeDraftId, CancellationToken cancellationToken)
    {
        var raw = RawBytes.AsArray(submission.Raw);
        var now = time.GetUtcNow();
        return Writer.ExecuteAsync(context =>
        {
            var held = context.Command("SELECT count(*) FROM held_submissions WHERE account_id = $a").With("$a", submission.AccountId).ScalarLong();
            if (held >= IHeldSubmissionStore.MaxPerAccount)
                throw new StoreException($"{IHeldSubmissionStore.MaxPerAccount} messages are already waiting to be sent; wait a few seconds and send again.");
            if (removeDraftId is { } draft)
                DeleteWhere(context, submission.AccountId, InDrafts, draft);
            // A reply's original that is not the account's own is not marked later: keep only an id the account owns.
            var original = submission.OriginalId is { } id && context.Command("SELECT 1 FROM messages WHERE id = $m AND account_id = $a")
                .With("$m", id).With("$a", submission.AccountId).ExecuteScalar() is not null ? id : (long?)null;
            return context.Command("INSERT INTO held_submissions (account_id, release_at, raw, original_id, mode, created_at) VALUES ($a, $r, $raw, $o, $mode, $now) RETURNING id")
                .With("$a", submission.AccountId).With("$r", submission.ReleaseAt.ToUnixMs()).With("$raw", raw).With("$o", original)
                .With("$mode", submission.Mode).With("$now", now.ToUnixMs()).ScalarLong();
        }, cancellationToken);
    }

    public Task<IReadOnlyList<HeldSubmission>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync<IReadOnlyList<HeldSubmission>>(context =>
        {
            var claimed = new List<HeldSubmission>();
            using var reader = context.Command($"""
                UPDATE held_submissions SET claimed_until = $until
                WHERE id IN (SELECT id FROM held_submissions WHERE release_at <= $now AND (claimed_until IS NULL OR claimed_until <= $now) ORDER BY release_at, id LIMIT $n)
                RETURNING {HeldColumns}
                """).With("$until", (now + lease).ToUnixMs()).With("$now", now.ToUnixMs()).With("$n", Math.Max(1, limit)).ExecuteReader();
            while (reader.Read())
                claimed.Add(ReadHeld(reader));
            return claimed.OrderBy(h => h.ReleaseAt).ThenBy(h => h.Id).ToList();
        }, cancellationToken);

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync("SELECT min(max(release_at, ifnull(claimed_until, 0))) FROM held_submissions",
            r => r.IsDBNull(0) ? (DateTimeOffset?)null : SqlExtensions.FromUnixMs(r.GetInt64(0)), cancellationToken).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyList<HeldSubmissionInfo>> ListAsync(long accountId, CancellationToken cancellationToken) =>
        await database.QueryAsync("SELECT id, release_at, claimed_until IS NOT NULL FROM held_submissions WHERE account_id = $a ORDER BY release_at, id",
            r => new HeldSubmissionInfo(r.GetInt64(0), SqlExtensions.FromUnixMs(r.GetInt64(1)), r.GetBoolean(2)), cancellationToken, ("$a", accountId)).ConfigureAwait(false);

    public async Task<HeldSubmission?> GetAsync(long accountId, long heldId, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync($"SELECT {HeldColumns} FROM held_submissions WHERE id = $h AND account_id = $a", ReadHeld, cancellationToken,
            ("$h", heldId), ("$a", accountId)).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    public async Task<StoredMessage?> ReturnToDraftsAsync(long accountId, long heldId, ReadOnlyMemory<byte> draft, bool claimed, CancellationToken cancellationToken)
    {
        var bytes = RawBytes.AsArray(draft);
        var parsed = MessageParser.Parse(bytes, MaxMimeDepth);
        var now = time.GetUtcNow();
        return await Writer.ExecuteAsync(context =>
        {
            // Undo loses to a worker that already claimed the message (it is being sent); the worker keeps its claim.
            var taken = context.Command($"DELETE FROM held_submissions WHERE id = $h AND account_id = $a AND {(claimed ? "claimed_until IS NOT NULL" : "(claimed_until IS NULL OR claimed_until <= $now)")}")
                .With("$h", heldId).With("$a", accountId).With("$now", now.ToUnixMs()).ExecuteNonQuery();
            if (taken == 0)
                return null;
            var folderId = MessageInserter.FolderIdOf(context, accountId, SpecialFolder.Drafts);
            var stored = MessageInserter.Insert(context, accountId, folderId, bytes, parsed, MessageFlags.Draft | MessageFlags.Seen, now);
            context.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static HeldSubmission ReadHeld(Microsoft.Data.Sqlite.SqliteDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt64(1), (byte[])reader.GetValue(2), SqlExtensions.FromUnixMs(reader.GetInt64(3)),
            reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetString(5));
}
