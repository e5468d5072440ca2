using System.Data;
using Microsoft.Extensions.Logging;
using Npgsql;
using Webmail.Core.Nodes;

namespace Webmail.Storage.Postgres;

/// <summary>
/// Locks across the nodes on one PostgreSQL database: session-level advisory locks
/// (<c>pg_try_advisory_lock(space, id)</c>) all held on one connection per node, outside the pool. The locks die
/// with that connection, so a node killed with <c>kill -9</c> releases them as soon as PostgreSQL sees its socket
/// close. One connection for all of a node's locks rather than one per POP3 session: a thousand POP3 sessions would
/// otherwise pin a thousand server processes (PostgreSQL's <c>max_connections</c> is 100 by default), and the calls
/// are short and never wait (the <c>try</c> form), so they queue on the one connection for microseconds.
/// An advisory lock is re-entrant within a session, so this node's own holders are kept apart first
/// (<see cref="SingleNodeLocks"/>). If the connection breaks, its locks are gone: the next call opens a new one and
/// takes again the locks this node still holds (a lock another node took meanwhile is logged and not taken).
/// </summary>
public sealed class PostgresNodeLocks : INodeLocks, IAsyncDisposable
{
    private readonly SingleNodeLocks _local = new();
    private readonly HashSet<NodeLock> _held = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly NpgsqlDataSource _source;
    private readonly ILogger<PostgresNodeLocks> _logger;
    private NpgsqlConnection? _connection;

    public PostgresNodeLocks(PostgresDatabase database, ILogger<PostgresNodeLocks> logger)
    {
        _source = database.CreateDedicatedSource("locks");
        _logger = logger;
    }

    public async Task<IAsyncDisposable?> TryAcquireAsync(NodeLock name, CancellationToken cancellationToken)
    {
        if (_local.TryAcquire(name) is not { } local)
            return null;
        var taken = false;
        try
        {
            taken = await RunAsync(connection => TryLockAsync(connection, name, cancellationToken), cancellationToken).ConfigureAwait(false);
            return taken ? new Handle(this, name, local) : null;
        }
        finally
        {
            if (!taken)
                await local.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ReleaseAsync(NodeLock name, IAsyncDisposable local)
    {
        try
        {
            // No longer this node's, whether or not the unlock below reaches the server: a lock still listed here
            // would be taken again by the next connection (RetakeAsync) and then held by nobody, for good.
            await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                _held.Remove(name);
            }
            finally
            {
                _gate.Release();
            }
            await RunAsync(async connection =>
            {
                await using var unlock = Command(connection, "SELECT pg_advisory_unlock($1, $2)", name);
                await unlock.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
                return true;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Core.Storage.StoreUnavailableException e)
        {
            // The connection is gone, and the lock with it.
            _logger.LogDebug(e, "Releasing lock {Space}/{Id}: the lock connection was already lost", name.Space, name.Id);
        }
        finally
        {
            await local.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { FullState: not ConnectionState.Open })
            {
                // Npgsql found it broken meanwhile (its keepalive met a server that went away): using it would only
                // throw "Connection is not open".
                _logger.LogDebug("The lock connection broke while idle; opening a new one");
                await DropConnectionAsync().ConfigureAwait(false);
            }
            if (_connection is not null)
            {
                try
                {
                    return await work(_connection).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException && (PostgresFailure.IsConnectionLost(e) || _connection.FullState != ConnectionState.Open))
                {
                    // The connection died since its last use (a server restart), and its locks with it: a new one
                    // takes back what this node's holders still count on, then the work runs on it.
                    _logger.LogDebug(e, "The lock connection was lost; opening a new one");
                    await DropConnectionAsync().ConfigureAwait(false);
                }
            }
            _connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await RetakeAsync(_connection, cancellationToken).ConfigureAwait(false);
            return await work(_connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && PostgresFailure.IsUnavailable(e))
        {
            await DropConnectionAsync().ConfigureAwait(false);
            throw PostgresFailure.OnRead(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is { } broken)
        {
            _connection = null;
            await broken.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>After a new lock connection: the locks this node's holders still count on.</summary>
    private async Task RetakeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        foreach (var name in _held.ToList())
        {
            if (!await TryLockAsync(connection, name, cancellationToken).ConfigureAwait(false))
            {
                _held.Remove(name);
                _logger.LogWarning("Lock {Space}/{Id} was taken by another node while the lock connection was down", name.Space, name.Id);
            }
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, NodeLock name, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT pg_try_advisory_lock($1, $2)", name);
        var taken = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (taken)
            _held.Add(name);
        return taken;
    }

    /// <summary>The two-key form: the space, and the id folded into 32 bits (ids past 2^31 share keys, which only makes locks coarser).</summary>
    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, NodeLock name) =>
        new(sql, connection) { Parameters = { new() { Value = name.Space }, new() { Value = (int)(name.Id % int.MaxValue) } } };

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
            await connection.DisposeAsync().ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private sealed class Handle(PostgresNodeLocks owner, NodeLock name, IAsyncDisposable local) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _released, 1) == 0 ? new ValueTask(owner.ReleaseAsync(name, local)) : ValueTask.CompletedTask;
    }
}
