using Npgsql;
using Webmail.Core.Messages;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>Undo send: held submissions, each leaving in one transaction (released by a delivery, or back into Drafts).</summary>
public sealed partial class PostgresMessageStore
{
    private const string HeldColumns = "id, account_id, raw, release_at, original_id, mode";

    public Task<long> HoldAsync(NewHeldSubmission submission, long? removeDraftId, CancellationToken cancellationToken)
    {
        var raw = RawBytes.AsArray(submission.Raw);
        var now = time.GetUtcNow();
        return WriteAsync(async unit =>
        {
            // The account's row lock makes the count and the insert one step (two sends at once cannot both pass the limit).
            await PostgresMessageInserter.LockAccountAsync(unit, submission.AccountId).ConfigureAwait(false);
            var held = await unit.Sql("SELECT count(*) FROM held_submissions WHERE account_id = @a").With("a", submission.AccountId).LongAsync().ConfigureAwait(false);
            if (held >= IHeldSubmissionStore.MaxPerAccount)
                throw new StoreException($"{IHeldSubmissionStore.MaxPerAccount} messages are already waiting to be sent; wait a few seconds and send again.");
            if (removeDraftId is { } draft)
                await DeleteWhereAsync(unit, submission.AccountId, InDrafts, draft).ConfigureAwait(false);
            // A reply's original that is not the account's own is not marked later: keep only an id the account owns.
            var original = submission.OriginalId is { } id && await unit.Sql("SELECT 1 FROM messages WHERE id = @m AND account_id = @a")
                .With("m", id).With("a", submission.AccountId).ScalarAsync().ConfigureAwait(false) is not null ? id : (long?)null;
            return await unit.Sql("INSERT INTO held_submissions (account_id, release_at, raw, original_id, mode, created_at) VALUES (@a, @r, @raw, @o, @mode, @now) RETURNING id")
                .With("a", submission.AccountId).With("r", submission.ReleaseAt.ToUnixMs()).With("raw", raw).With("o", original)
                .With("mode", submission.Mode).With("now", now.ToUnixMs()).LongAsync().ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<HeldSubmission>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<HeldSubmission>>(async unit =>
        {
            // SKIP LOCKED: workers on several nodes claim disjoint rows instead of queueing on each other.
            var claimed = await unit.Sql($"""
                UPDATE held_submissions SET claimed_until = @until
                WHERE id IN (SELECT id FROM held_submissions WHERE release_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now)
                             ORDER BY release_at, id LIMIT @n FOR UPDATE SKIP LOCKED)
                RETURNING {HeldColumns}
                """).With("until", (now + lease).ToUnixMs()).With("now", now.ToUnixMs()).With("n", (long)Math.Max(1, limit)).ListAsync(ReadHeld).ConfigureAwait(false);
            return claimed.OrderBy(h => h.ReleaseAt).ThenBy(h => h.Id).ToList();
        }, cancellationToken);

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql("SELECT min(greatest(release_at, coalesce(claimed_until, 0))) FROM held_submissions").LongOrNullAsync(), cancellationToken).ConfigureAwait(false)
            is { } due ? PostgresRows.FromUnixMs(due) : null;

    public async Task<IReadOnlyList<HeldSubmissionInfo>> ListAsync(long accountId, CancellationToken cancellationToken) =>
        await ReadAsync(unit => unit.Sql("SELECT id, release_at, claimed_until IS NOT NULL FROM held_submissions WHERE account_id = @a ORDER BY release_at, id").With("a", accountId)
            .ListAsync(r => new HeldSubmissionInfo(r.GetInt64(0), PostgresRows.FromUnixMs(r.GetInt64(1)), r.GetBoolean(2))), cancellationToken).ConfigureAwait(false);

    public Task<HeldSubmission?> GetAsync(long accountId, long heldId, CancellationToken cancellationToken) =>
        ReadAsync(unit => unit.Sql($"SELECT {HeldColumns} FROM held_submissions WHERE id = @h AND account_id = @a").With("h", heldId).With("a", accountId).FirstAsync(ReadHeld),
            cancellationToken);

    public async Task<StoredMessage?> ReturnToDraftsAsync(long accountId, long heldId, ReadOnlyMemory<byte> draft, bool claimed, CancellationToken cancellationToken)
    {
        var bytes = RawBytes.AsArray(draft);
        var parsed = MessageParser.Parse(bytes, MaxMimeDepth);
        var now = time.GetUtcNow();
        return await WriteAsync(async unit =>
        {
            await PostgresMessageInserter.LockAccountAsync(unit, accountId).ConfigureAwait(false);
            // Undo loses to a worker that already claimed the message (it is being sent); the worker keeps its claim.
            var taken = await unit.Sql($"DELETE FROM held_submissions WHERE id = @h AND account_id = @a AND {(claimed ? "claimed_until IS NOT NULL" : "(claimed_until IS NULL OR claimed_until <= @now)")}")
                .With("h", heldId).With("a", accountId).With("now", now.ToUnixMs()).ExecuteAsync().ConfigureAwait(false);
            if (taken == 0)
                return null;
            var folderId = await PostgresMessageInserter.FolderIdOfAsync(unit, accountId, SpecialFolder.Drafts).ConfigureAwait(false);
            var stored = await PostgresMessageInserter.InsertAsync(unit, accountId, folderId, bytes, parsed, MessageFlags.Draft | MessageFlags.Seen, now).ConfigureAwait(false);
            unit.AfterCommit(() => notifier.Publish(new MailboxChange(accountId, MailboxChangeKind.NewMessage, folderId, stored.Id)));
            return (StoredMessage?)stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static HeldSubmission ReadHeld(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt64(1), (byte[])reader.GetValue(2), PostgresRows.FromUnixMs(reader.GetInt64(3)),
            reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetString(5));
}
