using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// Undo send: messages from the web composer held for a few seconds before the delivery pipeline takes them.
/// A held message leaves exactly one way: released (the delivery's commit deletes the row, through
/// <see cref="SenderMailboxChanges.ReleasedHoldId"/>) or taken back into Drafts (<see cref="ReturnToDraftsAsync"/>),
/// each in one transaction. Every call that names an account matches it on the server side: another account's
/// id behaves as one that does not exist. A call the store cannot serve throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface IHeldSubmissionStore
{
    /// <summary>The most messages one account may have held at once; one more is refused.</summary>
    public const int MaxPerAccount = 50;

    /// <summary>
    /// Holds <paramref name="submission"/> until its release time and, in the same transaction, deletes the draft it
    /// was written in (<paramref name="removeDraftId"/>, only while that is still in the account's Drafts folder).
    /// </summary>
    /// <exception cref="StoreException">The account already has <see cref="MaxPerAccount"/> messages held.</exception>
    Task<long> HoldAsync(NewHeldSubmission submission, long? removeDraftId, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> messages whose release time is at or before <paramref name="now"/> and that no
    /// live lease holds, leasing each until <paramref name="now"/> + <paramref name="lease"/>; oldest release first.
    /// </summary>
    Task<IReadOnlyList<HeldSubmission>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken);

    /// <summary>When the next held message is due (a claimed one: when its lease runs out), or <c>null</c> when none waits.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>The account's held messages that are not yet released, soonest first (without their bytes).</summary>
    Task<IReadOnlyList<HeldSubmissionInfo>> ListAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>One of the account's held messages, or <c>null</c> (released, taken back, or another account's).</summary>
    Task<HeldSubmission?> GetAsync(long accountId, long heldId, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a held message back: deletes it and files <paramref name="draft"/> (its draft form) in the account's Drafts folder,
    /// in one transaction. Undo (<paramref name="claimed"/> false) succeeds only while no worker has claimed it; the worker,
    /// when the pipeline refuses the message (<paramref name="claimed"/> true), only while it holds the claim.
    /// </summary>
    /// <returns>The new draft, or <c>null</c> when the message was already released, taken back or is not the account's.</returns>
    Task<StoredMessage?> ReturnToDraftsAsync(long accountId, long heldId, ReadOnlyMemory<byte> draft, bool claimed, CancellationToken cancellationToken);
}

/// <summary>A message to hold: the composed bytes (Bcc header included), when it goes, and what it answers.</summary>
/// <param name="Mode">How it was composed (<c>New</c>, <c>Reply</c>, <c>ReplyAll</c>, <c>Forward</c>): what the Send marks on <paramref name="OriginalId"/>.</param>
public sealed record NewHeldSubmission(long AccountId, ReadOnlyMemory<byte> Raw, DateTimeOffset ReleaseAt, long? OriginalId, string Mode);

/// <summary>A held message as the store keeps it.</summary>
public sealed record HeldSubmission(long Id, long AccountId, byte[] Raw, DateTimeOffset ReleaseAt, long? OriginalId, string Mode);

/// <summary>A held message without its bytes, for showing it with Undo.</summary>
public sealed record HeldSubmissionInfo(long Id, DateTimeOffset ReleaseAt, bool Claimed);
