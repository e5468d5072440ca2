using Microsoft.Data.Sqlite;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>Reads a data directory's SQLite file directly, after the server process is dead.</summary>
public sealed class StoreInspection : IDisposable
{
    private readonly SqliteConnection _connection;

    public StoreInspection(string dataDirectory)
    {
        _connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "webmail.db")};Pooling=False");
        _connection.Open();
    }

    public string IntegrityCheck() => (string)Scalar("PRAGMA integrity_check")!;

    /// <summary>Message-ID → (recipient account, copies with their raw bytes present).</summary>
    public Dictionary<string, (string Account, int Copies)> MessagesById()
    {
        var result = new Dictionary<string, (string, int)>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT m.message_id, a.address, count(r.message_id) FROM messages m JOIN accounts a ON a.id = m.account_id " +
                              "JOIN message_raw r ON r.message_id = m.id GROUP BY m.message_id, a.address";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result[reader.GetString(0)] = (reader.GetString(1), reader.GetInt32(2));
        return result;
    }

    /// <summary>The counters kept by triggers agree with the rows (they are updated in the same transaction).</summary>
    public (object? Messages, object? FolderCounts, object? RawRows) Counters() =>
        (Scalar("SELECT count(*) FROM messages"), Scalar("SELECT sum(message_count) FROM folders"), Scalar("SELECT count(*) FROM message_raw"));

    /// <summary>The outbound queue as (Message-ID of the queued message, its remaining recipients), one row per entry.</summary>
    public List<(string? MessageId, List<string> Recipients)> QueuedMessages()
    {
        var result = new List<(string?, List<string>)>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT q.recipients, o.raw FROM outbound_queue q JOIN outbound_messages o ON o.id = q.message_id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var recipients = System.Text.Json.JsonSerializer.Deserialize<List<string>>(reader.GetString(0)) ?? [];
            using var raw = new MemoryStream((byte[])reader.GetValue(1));
            var id = MimeKit.HeaderList.Load(raw)[MimeKit.HeaderId.MessageId]?.Trim().Trim('<', '>');
            result.Add((id, recipients));
        }
        return result;
    }

    /// <summary>Rows in the outbound queue and in its message table (both empty once the queue has drained).</summary>
    public (long Entries, long Messages) QueueCounts() =>
        ((long)Scalar("SELECT count(*) FROM outbound_queue")!, (long)Scalar("SELECT count(*) FROM outbound_messages")!);

    /// <summary>Messages in INBOX folders (for outbound runs: bounces and delay warnings land there).</summary>
    public long InboxMessages() =>
        (long)Scalar("SELECT count(*) FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.special_use = 1")!;

    public void Dispose() => _connection.Dispose();

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
