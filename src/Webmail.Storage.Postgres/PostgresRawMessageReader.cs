using System.Data;
using Npgsql;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres;

/// <summary>
/// Reads stored messages of one account on a connection it holds, so a run of reads (a POP3 download, an IMAP
/// FETCH) pays no pool round trip per message. Messages up to 64 KB come back with the lookup; larger ones stream
/// from the result row (<see cref="CommandBehavior.SequentialAccess"/>), so memory does not grow with the message.
/// A streamed message holds the connection until its stream is disposed: open the next one after that.
/// </summary>
internal sealed class PostgresRawMessageReader : IRawMessageReader
{
    /// <summary>Messages up to this size come back with the lookup itself; larger ones stream.</summary>
    private const int InlineLimit = 64 * 1024;

    // octet_length of a TOASTed bytea reads its size from the TOAST pointer without fetching the value.
    private static readonly string Lookup = $"""
        SELECT octet_length(r.raw), CASE WHEN octet_length(r.raw) <= {InlineLimit} THEN r.raw END
        FROM messages m LEFT JOIN message_raw r ON r.message_id = m.id
        WHERE m.id = @id AND m.account_id = @a
        """;

    private const string Content = "SELECT r.raw FROM message_raw r JOIN messages m ON m.id = r.message_id WHERE m.id = @id AND m.account_id = @a";

    private readonly PostgresDatabase _database;
    private readonly long _accountId;
    private NpgsqlConnection? _connection;

    /// <summary>A reader that opens its connection on the first read.</summary>
    public PostgresRawMessageReader(PostgresDatabase database, long accountId)
    {
        _database = database;
        _accountId = accountId;
    }

    /// <exception cref="StoreUnavailableException">The store could not be reached.</exception>
    public static async Task<PostgresRawMessageReader> OpenAsync(PostgresDatabase database, long accountId, CancellationToken cancellationToken)
    {
        var reader = new PostgresRawMessageReader(database, accountId);
        await reader.ConnectionAsync(sync: false, cancellationToken).ConfigureAwait(false);
        return reader;
    }

    // The readers' callers are both synchronous (POP3 RETR, IMAP FETCH) and asynchronous (downloads): each path
    // uses Npgsql's own sync or async I/O (the "sync" flag), never sync-over-async.
    private async ValueTask<NpgsqlConnection> ConnectionAsync(bool sync, CancellationToken cancellationToken)
    {
        if (_connection is { FullState: ConnectionState.Open })
            return _connection;
        // None yet, or the one kept from the last read broke meanwhile (the server restarted).
        DropConnection();
        try
        {
            return _connection = sync ? _database.DataSource.OpenConnection() : await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresFailure.IsUnavailable(e))
        {
            throw PostgresFailure.OnRead(e);
        }
    }

    public Stream? Open(long messageId)
    {
        // Completes synchronously: every I/O call below takes the sync path.
        var task = OpenAsync(messageId, owner: null, sync: true, CancellationToken.None);
        return task.IsCompleted ? task.Result : throw new InvalidOperationException("A synchronous read did not complete synchronously.");
    }

    /// <param name="owner">Disposed with the returned stream (a one-read reader disposes itself).</param>
    /// <exception cref="StoreUnavailableException">The store could not be read.</exception>
    internal async ValueTask<Stream?> OpenAsync(long messageId, IDisposable? owner, bool sync, CancellationToken cancellationToken)
    {
        var kept = _connection is not null;
        try
        {
            return await OpenOnceAsync(messageId, owner, sync, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e) when (kept && e.InnerException is { } cause && PostgresFailure.IsConnectionLost(cause))
        {
            // The connection kept since an earlier read died (the server restarted in between): nothing was read
            // from it, so one more try on a new connection, as PostgresUnits does for pooled ones.
            DropConnection();
            _database.DataSource.Clear();
        }
        return await OpenOnceAsync(messageId, owner, sync, cancellationToken).ConfigureAwait(false);
    }

    private void DropConnection()
    {
        _connection?.Dispose();
        _connection = null;
    }

    private async ValueTask<Stream?> OpenOnceAsync(long messageId, IDisposable? owner, bool sync, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(sync, cancellationToken).ConfigureAwait(false);
        NpgsqlCommand? command = null;
        NpgsqlDataReader? reader = null;
        try
        {
            byte[]? inline;
            long? length;
            using (var lookup = new NpgsqlCommand(Lookup, connection))
            {
                lookup.Parameters.AddWithValue("id", messageId);
                lookup.Parameters.AddWithValue("a", _accountId);
                using var row = sync ? lookup.ExecuteReader(CommandBehavior.SingleRow) : await lookup.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
                if (!(sync ? row.Read() : await row.ReadAsync(cancellationToken).ConfigureAwait(false)))
                    return null;
                if (row.IsDBNull(0))
                    throw new InvalidOperationException($"Message {messageId} has no stored bytes");
                length = row.GetInt64(0);
                inline = row.IsDBNull(1) ? null : (byte[])row.GetValue(1);
            }
            if (inline is not null)
            {
                owner?.Dispose();
                return new MemoryStream(inline, writable: false);
            }
            command = new NpgsqlCommand(Content, connection);
            command.Parameters.AddWithValue("id", messageId);
            command.Parameters.AddWithValue("a", _accountId);
            const CommandBehavior streaming = CommandBehavior.SequentialAccess | CommandBehavior.SingleRow;
            reader = sync ? command.ExecuteReader(streaming) : await command.ExecuteReaderAsync(streaming, cancellationToken).ConfigureAwait(false);
            if (!(sync ? reader.Read() : await reader.ReadAsync(cancellationToken).ConfigureAwait(false)))
            {
                // Deleted by another door between the lookup and the read.
                reader.Dispose();
                command.Dispose();
                return null;
            }
            return new RowStream(reader.GetStream(0), length.Value, reader, command, owner);
        }
        catch (Exception e) when (e is not OperationCanceledException && PostgresFailure.IsUnavailable(e))
        {
            reader?.Dispose();
            command?.Dispose();
            throw PostgresFailure.OnRead(e);
        }
    }

    public void Dispose() => _connection?.Dispose();

    /// <summary>The column's stream, read-only and forward-only, that also closes its row, command and owner.</summary>
    private sealed class RowStream(Stream column, long length, NpgsqlDataReader reader, NpgsqlCommand command, IDisposable? owner) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                var read = column.Read(buffer);
                _position += read;
                return read;
            }
            catch (Exception e) when (PostgresFailure.IsUnavailable(e))
            {
                throw PostgresFailure.OnRead(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                var read = await column.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                _position += read;
                return read;
            }
            catch (Exception e) when (e is not OperationCanceledException && PostgresFailure.IsUnavailable(e))
            {
                throw PostgresFailure.OnRead(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                column.Dispose();
                reader.Dispose();
                command.Dispose();
                owner?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
