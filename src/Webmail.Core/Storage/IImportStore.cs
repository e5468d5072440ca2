using Webmail.Core.Model;

namespace Webmail.Core.Storage;

/// <summary>
/// What an import needs from the store: messages stored in batches through the same insert as IMAP
/// APPEND (one transaction per batch, duplicates skipped, the quota checked per message), the import
/// jobs the web UI follows, and where an IMAP import stopped.
/// </summary>
public interface IImportStore
{
    /// <summary>
    /// Stores a batch as one unit of work. A message with the same Message-ID and size as one already in
    /// its folder (or earlier in the batch) is skipped. The first message that would pass the quota stops
    /// the batch: what came before it is committed, it and the rest are not (<see cref="ImportBatchResult.QuotaStopped"/>).
    /// The batch's cursors and job counters are written in the same unit.
    /// </summary>
    /// <exception cref="StoreException">A folder of the batch is not the account's.</exception>
    Task<ImportBatchResult> ImportBatchAsync(long accountId, ImportBatch batch, CancellationToken cancellationToken);

    /// <summary>Where an IMAP import of <paramref name="folder"/> from <paramref name="source"/> stopped; null when it never ran.</summary>
    Task<ImapImportCursor?> GetImapCursorAsync(long accountId, string source, string folder, CancellationToken cancellationToken);

    Task<ImportJob> CreateImportJobAsync(long accountId, NewImportJob job, CancellationToken cancellationToken);

    /// <summary>The account's job; null for another account's id.</summary>
    Task<ImportJob?> GetImportJobAsync(long accountId, long jobId, CancellationToken cancellationToken);

    /// <summary>The account's newest jobs first.</summary>
    Task<IReadOnlyList<ImportJob>> ListImportJobsAsync(long accountId, int limit, CancellationToken cancellationToken);

    /// <summary>Every job in the given state, oldest first (the worker's queue).</summary>
    Task<IReadOnlyList<ImportJob>> ListImportJobsInStateAsync(string state, CancellationToken cancellationToken);

    /// <summary>Sets a job's state, total, and closing message (bounded); a final state also sets the finish time.</summary>
    Task SetImportJobStateAsync(long jobId, string state, long? total, string message, DateTimeOffset? finishedAt, CancellationToken cancellationToken);
}

/// <summary>One message to import: its bytes (already within the size limit), flags, keywords and internal date, into a folder.</summary>
public sealed record ImportMessage(long FolderId, byte[] Raw, MessageFlags Flags, IReadOnlyCollection<string> Keywords, DateTimeOffset? InternalDate);

/// <summary>
/// A batch for <see cref="IImportStore.ImportBatchAsync"/>: the messages, and what the same unit records —
/// the IMAP cursors the batch reaches, and the job's counters (with the messages the reader could not use).
/// </summary>
public sealed record ImportBatch(IReadOnlyList<ImportMessage> Messages)
{
    public IReadOnlyList<ImapImportCursor> Cursors { get; init; } = [];
    public long? JobId { get; init; }
    public int Failed { get; init; }
    /// <summary>Error texts to keep on the job (bounded by the store: the first <see cref="ImportJob.MaxErrors"/>, each cut).</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
}

/// <param name="Imported">Messages stored.</param>
/// <param name="Duplicates">Messages skipped as already in their folder.</param>
/// <param name="Bytes">Bytes stored.</param>
/// <param name="QuotaStopped">The batch stopped at a message that would pass the quota.</param>
/// <param name="Address">The account's address (for the stop message).</param>
public sealed record ImportBatchResult(int Imported, int Duplicates, long Bytes, bool QuotaStopped, string Address);

/// <summary>Per account, source (<c>user@host:port</c>) and source folder: the UIDVALIDITY seen and the highest UID copied.</summary>
public sealed record ImapImportCursor(string Source, string Folder, long UidValidity, long LastUid);

public sealed record NewImportJob(string Kind, string Source, long? TargetFolderId, string Options, string? UploadPath, DateTimeOffset CreatedAt);

/// <summary>An import run, as the web UI and the worker see it.</summary>
public sealed record ImportJob(
    long Id,
    long AccountId,
    string Kind,
    string Source,
    long? TargetFolderId,
    string Options,
    string? UploadPath,
    string State,
    long? Total,
    long Imported,
    long Duplicates,
    long Failed,
    long Bytes,
    string Message,
    IReadOnlyList<string> Errors,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt)
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Stopped = "stopped";
    public const string FailedState = "failed";

    /// <summary>Error texts kept per job, and the length of each.</summary>
    public const int MaxErrors = 20;
    public const int MaxErrorLength = 300;

    public bool IsActive => State is Queued or Running;

    /// <summary>Messages seen so far: stored, skipped as duplicates, or failed.</summary>
    public long Processed => Imported + Duplicates + Failed;
}
