using Microsoft.Data.Sqlite;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// Reads stored messages of one account on a connection it holds, with the lookup (ownership check and,
/// for messages up to 64 KB, the bytes themselves) prepared once, so a run of reads (a POP3 download)
/// pays neither a pool round trip nor a statement compile per message. Larger messages stream from
/// SQLite's incremental blob I/O, so memory does not grow with the message.
/// </summary>
internal sealed class RawMessageReader : IRawMessageReader
{
    /// <summary>Messages up to this size come back with the lookup itself; larger ones stream from incremental blob I/O.</summary>
    private const int InlineLimit = 64 * 1024;

    private readonly SqliteDatabase _database;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _lookup;
    private readonly SqliteParameter _messageId;
    private int _openBlobs;

    /// <exception cref="StoreUnavailableException">The store could not be read.</exception>
    public RawMessageReader(SqliteDatabase database, long accountId)
    {
        _database = database;
        _connection = database.OpenReadConnection();
        try
        {
            _lookup = _connection.CreateCommand();
            // length() of a blob reads its size from the record header without loading the content.
            _lookup.CommandText = $"""
                SELECT length(r.raw), CASE WHEN length(r.raw) <= {InlineLimit} THEN r.raw END
                FROM messages m LEFT JOIN message_raw r ON r.message_id = m.id
                WHERE m.id = $id AND m.account_id = $a
                """;
            _messageId = _lookup.Parameters.Add("$id", SqliteType.Integer);
            _lookup.Parameters.AddWithValue("$a", accountId);
            _messageId.Value = 0L;
            _lookup.Prepare();
        }
        catch (SqliteException e)
        {
            _connection.Dispose();
            throw SqliteFailure.OnRead(e);
        }
    }

    public Stream? Open(long messageId) => Open(messageId, owner: null);

    /// <param name="owner">Disposed with the returned stream (a one-read reader disposes itself).</param>
    /// <exception cref="StoreUnavailableException">The store could not be read.</exception>
    internal Stream? Open(long messageId, IDisposable? owner)
    {
        _messageId.Value = messageId;
        byte[]? inline;
        try
        {
            using var row = _lookup.ExecuteReader();
            if (!row.Read())
                return null;
            if (row.IsDBNull(0))
                throw new InvalidOperationException($"Message {messageId} has no stored bytes");
            inline = row.IsDBNull(1) ? null : (byte[])row.GetValue(1);
        }
        catch (SqliteException e)
        {
            throw SqliteFailure.OnRead(e);
        }
        if (inline is not null)
        {
            // One prepared statement, one read transaction: all a POP3 download of ordinary mail needs.
            owner?.Dispose();
            return new MemoryStream(inline, writable: false);
        }
        SqliteBlob blob;
        try
        {
            blob = new SqliteBlob(_connection, "message_raw", "raw", messageId, readOnly: true);
        }
        catch (SqliteException)
        {
            // Deleted by another door between the lookup and the open.
            return null;
        }
        Interlocked.Increment(ref _openBlobs);
        return new BlobStream(blob, this, owner);
    }

    public void Dispose()
    {
        _lookup.Dispose();
        // A stream still open reads through this connection: then it is closed, not kept for another reader.
        if (Volatile.Read(ref _openBlobs) == 0)
            _database.ReturnReadConnection(_connection);
        else
            _connection.Dispose();
    }

    /// <summary>The blob as a read-only stream that also disposes its owner.</summary>
    private sealed class BlobStream(SqliteBlob blob, RawMessageReader reader, IDisposable? owner) : Stream
    {
        private bool _disposed;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => blob.Length;
        public override long Position { get => blob.Position; set => blob.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return blob.Read(buffer);
            }
            catch (SqliteException e)
            {
                throw SqliteFailure.OnRead(e);
            }
        }

        public override long Seek(long offset, SeekOrigin origin) => blob.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                blob.Dispose();
                Interlocked.Decrement(ref reader._openBlobs);
                owner?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
