using Microsoft.Data.Sqlite;
using Webmail.Core.Storage;

namespace Webmail.Storage;

/// <summary>
/// Streams stored messages of one account from SQLite's incremental blob I/O on a connection it holds
/// with the ownership check prepared once, so a run of reads (a POP3 download) pays neither a pool
/// round trip nor a statement compile per message.
/// </summary>
internal sealed class RawMessageReader : IRawMessageReader
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _owned;
    private readonly SqliteParameter _messageId;

    public RawMessageReader(SqliteConnection connection, long accountId)
    {
        _connection = connection;
        _owned = connection.CreateCommand();
        _owned.CommandText = "SELECT 1 FROM messages WHERE id = $id AND account_id = $a";
        _messageId = _owned.Parameters.Add("$id", SqliteType.Integer);
        _owned.Parameters.AddWithValue("$a", accountId);
        _messageId.Value = 0L;
        _owned.Prepare();
    }

    public Stream? Open(long messageId) => Open(messageId, owner: null);

    /// <param name="owner">Disposed with the returned stream (a one-read reader disposes itself).</param>
    internal Stream? Open(long messageId, IDisposable? owner)
    {
        _messageId.Value = messageId;
        if (_owned.ExecuteScalar() is null)
            return null;
        SqliteBlob blob;
        try
        {
            blob = new SqliteBlob(_connection, "message_raw", "raw", messageId, readOnly: true);
        }
        catch (SqliteException)
        {
            // Deleted by another door between the check and the open.
            return _owned.ExecuteScalar() is null ? null : throw new InvalidOperationException($"Message {messageId} has no stored bytes");
        }
        return new BlobStream(blob, owner);
    }

    public void Dispose()
    {
        _owned.Dispose();
        _connection.Dispose();
    }

    /// <summary>The blob as a read-only stream that also disposes its owner.</summary>
    private sealed class BlobStream(SqliteBlob blob, IDisposable? owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => blob.Length;
        public override long Position { get => blob.Position; set => blob.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => blob.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => blob.Read(buffer);
        public override long Seek(long offset, SeekOrigin origin) => blob.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                blob.Dispose();
                owner?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
