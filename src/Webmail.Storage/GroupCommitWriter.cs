using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Webmail.Core.Hosting;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// The single writer. Callers queue units of work; a dedicated thread takes everything queued,
/// runs each unit inside its own SAVEPOINT of one transaction and commits once, so many
/// concurrent deliveries share one fsync (group commit). A unit that throws is rolled back
/// alone; the others still commit. A task completes only after its commit is durable
/// (<c>synchronous=FULL</c>), and after-commit actions (notifications) run then.
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    /// <summary>Most units committed together; bounds the time a batch holds the write lock.</summary>
    public const int MaxBatch = 512;

    /// <summary>WAL pages after which a commit checkpoints them into the database file (<c>wal_autocheckpoint</c>).</summary>
    public const int CheckpointPages = 4096;

    /// <summary>The writer's page cache, in KiB: <see cref="SmallCacheKib"/> below <see cref="LargeDatabaseBytes"/>, <see cref="LargeCacheKib"/> from there.</summary>
    internal const int SmallCacheKib = 16 * 1024, LargeCacheKib = 64 * 1024;

    /// <summary>1 GiB: from this size on, the page holding SQLite's lock bytes is inside the database file.</summary>
    internal const long LargeDatabaseBytes = 1L << 30;

    // Commits between two looks at the database's size while its cache is the small one.
    private const int SizeCheckInterval = 256;

    private readonly SqliteConnection _connection;
    private readonly DiskSpaceGuard _space;
    private readonly ILogger _logger;
    private readonly Channel<IWorkItem> _queue = Channel.CreateUnbounded<IWorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private long _commits;
    private long _units;
    private int _cacheKib;

    internal GroupCommitWriter(SqliteConnection connection, DiskSpaceGuard space, ILogger logger)
    {
        _connection = connection;
        _space = space;
        _logger = logger;
        using (var pragma = connection.CreateCommand())
        {
            // Durability is unchanged (every commit still fsyncs the WAL). Checkpointing every 4,096 pages
            // (16 MB) instead of SQLite's 1,000 copies each hot page (folder counters, index leaves, FTS
            // segments) to the database file once per checkpoint rather than four times as often.
            // temp_store=MEMORY: the statement journal, which lets a savepoint (a unit sharing its commit) or a
            // statement be undone apart from the rest of the transaction, stays in memory. With the default, SQLite
            // created, wrote about 45 pages into and deleted a file in /var/tmp for every delivered message (strace:
            // 45 of the 127 pwrite calls per message); that journal never serves crash recovery, the WAL does.
            pragma.CommandText = "PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=" + CheckpointPages + ";";
            pragma.ExecuteNonQuery();
        }
        SizeCache();
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-writer" };
        _thread.Start();
    }

    /// <summary>The writer's page cache for a database of <paramref name="databaseBytes"/>, in KiB.</summary>
    internal static int CacheKibFor(long databaseBytes) => databaseBytes >= LargeDatabaseBytes ? LargeCacheKib : SmallCacheKib;

    /// <summary>The writer's page cache now, in KiB.</summary>
    internal int CacheKib => Volatile.Read(ref _cacheKib);

    /// <summary>
    /// Sizes the page cache for the database as it is now. A large cache keeps the index pages a busy writer touches in
    /// memory, but while the file is under 1 GiB it costs every commit: the commit drops cached pages beyond the end of
    /// the database, and a B-tree rebalance gives a page the number of the lock-byte page at 1 GiB for a moment, so the
    /// drop walks the cache's whole hash table, whose size follows the cache's (9 % of this thread at 64 MB on a fresh
    /// store; docs/benchmarks-changes.md, session 24). So a smaller database gets a smaller cache.
    /// </summary>
    private void SizeCache()
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";
            var kib = CacheKibFor(Convert.ToInt64(command.ExecuteScalar()));
            if (kib == _cacheKib)
                return;
            command.CommandText = $"PRAGMA cache_size=-{kib}";
            command.ExecuteNonQuery();
            Volatile.Write(ref _cacheKib, kib);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The cache keeps its size until the next look, and writing goes on: this runs on the writer thread, outside
            // a unit, where nothing else would catch it.
            _logger.LogWarning(e, "Could not size the writer's page cache");
        }
    }

    /// <summary>Commits so far (for tests and benchmarks: units / commits is the group size).</summary>
    public long Commits => Interlocked.Read(ref _commits);
    public long Units => Interlocked.Read(ref _units);

    /// <summary>Runs <paramref name="work"/>, a write that adds data, in the next group commit and returns its result once durable.</summary>
    /// <exception cref="StoreUnavailableException">The commit failed (disk full, I/O error), or the disk is full (<see cref="StoreUnavailableException.OutOfSpace"/>).</exception>
    public Task<T> ExecuteAsync<T>(Func<WriteContext, T> work, CancellationToken cancellationToken) =>
        ExecuteAsync(work, WriteKind.AddsData, cancellationToken);

    /// <summary>Runs <paramref name="work"/> in the next group commit and returns its result once durable.</summary>
    /// <param name="kind">
    /// <see cref="WriteKind.ChangesOrRemoves"/> for writes that add no content (flags, moves,
    /// deletes): they are still accepted on a full disk, from the reserve.
    /// </param>
    /// <exception cref="StoreUnavailableException">The commit failed (disk full, I/O error), or the disk is full and the write adds data.</exception>
    public Task<T> ExecuteAsync<T>(Func<WriteContext, T> work, WriteKind kind, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (kind == WriteKind.AddsData && _space.RefusesNewData)
        {
            _space.ProbeForSpace(everyTime: true);
            if (_space.RefusesNewData)
                return Task.FromException<T>(OutOfSpace());
        }
        var item = new WorkItem<T>(work, kind, cancellationToken);
        if (!_queue.Writer.TryWrite(item))
            throw new ObjectDisposedException(nameof(GroupCommitWriter));
        return item.Completion.Task;
    }

    /// <inheritdoc cref="ExecuteAsync{T}(Func{WriteContext, T}, CancellationToken)"/>
    public Task ExecuteAsync(Action<WriteContext> work, CancellationToken cancellationToken) =>
        ExecuteAsync(work, WriteKind.AddsData, cancellationToken);

    /// <inheritdoc cref="ExecuteAsync{T}(Func{WriteContext, T}, WriteKind, CancellationToken)"/>
    public Task ExecuteAsync(Action<WriteContext> work, WriteKind kind, CancellationToken cancellationToken) =>
        ExecuteAsync<bool>(context => { work(context); return true; }, kind, cancellationToken);

    private static StoreUnavailableException OutOfSpace() =>
        new("The mail store is out of disk space; only reading and deleting work until space is freed.",
            new IOException("No space left on device (the reserve is spent)"), outOfSpace: true);

    private void Run()
    {
        var batch = new List<IWorkItem>(MaxBatch);
        var reader = _queue.Reader;
        while (true)
        {
            try
            {
                if (!WaitForWork(reader))
                    break;
            }
            catch (ChannelClosedException)
            {
                break;
            }
            _space.ProbeForSpace();
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                if (item.IsCancelled)
                    continue;
                // Queued before the disk filled: refused now, so the reserve stays for deletes.
                if (item.Kind == WriteKind.AddsData && _space.RefusesNewData)
                    item.Fail(OutOfSpace());
                else
                    batch.Add(item);
            }
            if (batch.Count > 0)
                CommitBatch(batch);
            batch.Clear();
        }
        foreach (var command in _commands.Values)
            command.Dispose();
        _connection.Dispose();
    }

    /// <summary>
    /// Waits for queued work. In low-space mode it wakes every <see cref="DiskSpaceGuard.ProbeInterval"/>
    /// to look for space even when nothing is written (new mail is refused before it is queued).
    /// </summary>
    /// <returns>False once the queue is closed and empty.</returns>
    private bool WaitForWork(ChannelReader<IWorkItem> reader)
    {
        while (_space.RefusesNewData)
        {
            using var timeout = new CancellationTokenSource(DiskSpaceGuard.ProbeInterval);
            try
            {
                return reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                _space.ProbeForSpace();
            }
        }
        return reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
    }

    private void CommitBatch(List<IWorkItem> batch)
    {
        var context = new WriteContext(this);
        var start = Stopwatch.GetTimestamp();
        SqliteTransaction? transaction = null;
        var committed = true;
        try
        {
            transaction = _connection.BeginTransaction(deferred: false);
            context.Transaction = transaction;
            if (batch.Count == 1)
            {
                // A unit alone in its transaction needs no savepoint: when it fails, the transaction is rolled back
                // and there is nothing to commit. Inside a savepoint SQLite first copies every page the unit changes
                // into a statement journal, so that the unit can be undone apart from the others (about 45 pages
                // for a delivered message); that is the common case with one sender at a time.
                context.BeginUnit();
                if (!batch[0].Run(context))
                {
                    transaction.Rollback();
                    context.DiscardUnit();
                    committed = false;
                }
            }
            else
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var savepoint = "u" + i;
                    transaction.Save(savepoint);
                    context.BeginUnit();
                    if (batch[i].Run(context))
                        transaction.Release(savepoint);
                    else
                    {
                        transaction.Rollback(savepoint);
                        transaction.Release(savepoint);
                        context.DiscardUnit();
                    }
                }
            }
            if (committed)
                transaction.Commit();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            _logger.LogError(e, "Group commit of {Count} units failed", batch.Count);
            try { transaction?.Rollback(); }
            catch (SqliteException rollbackError) { _logger.LogError(rollbackError, "Rollback after failed commit failed"); }
            var failure = new StoreUnavailableException("The mail store could not commit: " + e.Message, e, SqliteFailure.IsFull(e));
            _space.OnWriteFailed(e, failure.OutOfSpace);
            foreach (var item in batch)
                item.Fail(failure);
            return;
        }
        finally
        {
            transaction?.Dispose();
            context.Transaction = null;
        }

        if (committed)
        {
            Interlocked.Increment(ref _commits);
            Interlocked.Add(ref _units, batch.Count);
            WebmailMeter.CommitBatchSize.Record(batch.Count);
            WebmailMeter.CommitDuration.Record(WebmailMeter.SecondsSince(start));
        }
        foreach (var item in batch)
        {
            // A unit that hit the full disk on its own (its statement, not the commit) counts too.
            if (item.Error is StoreUnavailableException { OutOfSpace: true } full)
                _space.OnWriteFailed(full.InnerException ?? full, outOfSpace: true);
        }
        if (committed)
        {
            _space.OnCommitted();
            if (_cacheKib < LargeCacheKib && _commits % SizeCheckInterval == 0)
                SizeCache();
        }
        // Announced before the callers resume: once a write returns, every session already knows of it
        // (an IMAP NOOP right after a delivery shows the message; it did not when the caller won the race).
        context.RunAfterCommit(_logger);
        foreach (var item in batch)
            item.Complete();
    }

    /// <summary>A prepared command on the writer connection, reused across units (parameters cleared).</summary>
    internal SqliteCommand Command(string sql, SqliteTransaction transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Parameters.Clear();
        command.Transaction = transaction;
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.Run(() => _thread.Join()).ConfigureAwait(false);
    }

    private interface IWorkItem
    {
        WriteKind Kind { get; }
        bool IsCancelled { get; }
        /// <summary>The unit's own failure, once it ran.</summary>
        Exception? Error { get; }
        /// <summary>Runs the unit; false when it threw (and must be rolled back).</summary>
        bool Run(WriteContext context);
        void Complete();
        void Fail(Exception error);
    }

    private sealed class WorkItem<T>(Func<WriteContext, T> work, WriteKind kind, CancellationToken cancellationToken) : IWorkItem
    {
        private T? _result;
        private Exception? _error;

        public WriteKind Kind => kind;
        public Exception? Error => _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsCancelled
        {
            get
            {
                if (!cancellationToken.IsCancellationRequested)
                    return false;
                Completion.TrySetCanceled(cancellationToken);
                return true;
            }
        }

        public bool Run(WriteContext context)
        {
            try
            {
                _result = work(context);
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A unit's own failure (a refused request or a bug) rolls back that unit only.
                _error = e is SqliteException sqlite && SqliteFailure.IsDiskProblem(sqlite)
                    ? new StoreUnavailableException("The mail store could not write: " + e.Message, e, SqliteFailure.IsFull(e))
                    : e;
                return false;
            }
        }

        public void Complete()
        {
            if (_error is not null)
                Completion.TrySetException(_error);
            else
                Completion.TrySetResult(_result!);
        }

        public void Fail(Exception error) => Completion.TrySetException(error);
    }

}

/// <summary>What a write does to the space the store takes, which decides whether a full disk refuses it.</summary>
public enum WriteKind
{
    /// <summary>Adds content (new mail, drafts, queue entries, audit rows): refused while the disk is full.</summary>
    AddsData,

    /// <summary>
    /// Changes or removes what is there and adds no content (flags, moves, deletes, the POP3
    /// UPDATE state): still committed on a full disk, from the space reserve, so people can free space.
    /// </summary>
    ChangesOrRemoves,
}

/// <summary>What a unit of work sees: prepared commands inside the current transaction, and after-commit hooks.</summary>
public sealed class WriteContext
{
    private readonly GroupCommitWriter _writer;
    private readonly List<Action> _afterCommit = [];
    private int _unitStart;

    internal WriteContext(GroupCommitWriter writer) => _writer = writer;

    internal SqliteTransaction? Transaction { get; set; }

    /// <summary>A prepared command for <paramref name="sql"/>, parameters cleared, bound to the transaction.</summary>
    public SqliteCommand Command(string sql) => _writer.Command(sql, Transaction ?? throw new InvalidOperationException("No transaction."));

    /// <summary>Runs <paramref name="action"/> after the commit succeeds (never if this unit rolls back).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    internal void BeginUnit() => _unitStart = _afterCommit.Count;

    internal void DiscardUnit() => _afterCommit.RemoveRange(_unitStart, _afterCommit.Count - _unitStart);

    internal void RunAfterCommit(ILogger logger)
    {
        foreach (var action in _afterCommit)
        {
            try { action(); }
            catch (Exception e) when (e is not OutOfMemoryException) { logger.LogWarning(e, "After-commit action failed"); }
        }
    }
}
