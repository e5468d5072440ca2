using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// Migration 6 gives back the final CRLF that SMTP mail stored before it lacks (RFC 5321 §4.1.1.4),
/// keeping sizes and the trigger-kept folder and account counters right, and leaves every other
/// message's bytes alone.
/// </summary>
public sealed class FinalLineBreakMigrationTests
{
    private static readonly byte[] EightBitNoCrlf = [.. Encoding.ASCII.GetBytes("Subject: a\r\n\r\nnul "), 0x00, 0xE9, 0xFF, (byte)'\r', (byte)'\n', (byte)'.'];
    private static readonly byte[] WithCrlf = Encoding.ASCII.GetBytes("Subject: b\r\n\r\nend\r\n");
    private static readonly byte[] LargeNoCrlf = Encoding.ASCII.GetBytes("Subject: c\r\n\r\n" + new string('x', 200_000) + "\r\nend");
    private static readonly byte[] Empty = [];

    [Fact]
    public async Task MessagesWithoutAFinalLineBreakGetCrlfAndTheCountersFollow()
    {
        using var dir = new TempDirectory();
        var path = dir.File("webmail.db");
        long a, b, c, d;
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Migrator.Migrate(connection, NullLogger.Instance, targetVersion: 5);
        }
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Execute(connection, """
                INSERT INTO domains (id, name, created_at) VALUES (1, 'local.example', 0);
                INSERT INTO accounts (id, address, domain_id, password_hash, security_stamp, created_at) VALUES
                    (1, 'one@local.example', 1, 'x', 's', 0), (2, 'two@local.example', 1, 'x', 's', 0);
                INSERT INTO folders (id, account_id, name, special_use, uid_validity) VALUES
                    (1, 1, 'INBOX', 1, 1), (2, 1, 'Sent', 2, 1), (3, 2, 'INBOX', 1, 1);
                """);
            a = Insert(connection, account: 1, folder: 1, EightBitNoCrlf);
            b = Insert(connection, account: 1, folder: 1, WithCrlf);
            c = Insert(connection, account: 1, folder: 2, LargeNoCrlf);
            d = Insert(connection, account: 2, folder: 3, Empty);
            Assert.Equal(EightBitNoCrlf.Length + WithCrlf.Length + LargeNoCrlf.Length, Scalar(connection, "SELECT used_bytes FROM accounts WHERE id = 1"));
        }

        await using var database = new SqliteDatabase(path, NullLoggerFactory.Instance);

        using var migrated = database.OpenConnection();
        Assert.Equal(Convert.ToHexString([.. EightBitNoCrlf, 13, 10]), Convert.ToHexString(Raw(migrated, a)));
        Assert.Equal(Convert.ToHexString(WithCrlf), Convert.ToHexString(Raw(migrated, b)));
        Assert.Equal([.. LargeNoCrlf, 13, 10], Raw(migrated, c));
        Assert.Empty(Raw(migrated, d));
        Assert.Equal(0, Scalar(migrated, "SELECT count(*) FROM message_raw WHERE typeof(raw) <> 'blob'"));
        Assert.Equal(0, Scalar(migrated, "SELECT count(*) FROM messages m JOIN message_raw r ON r.message_id = m.id WHERE m.size <> length(r.raw)"));
        Assert.Equal(0, Scalar(migrated, "SELECT count(*) FROM messages WHERE unterminated <> 0"));
        Assert.Equal(EightBitNoCrlf.Length + 2 + WithCrlf.Length, Scalar(migrated, "SELECT total_bytes FROM folders WHERE id = 1"));
        Assert.Equal(LargeNoCrlf.Length + 2, Scalar(migrated, "SELECT total_bytes FROM folders WHERE id = 2"));
        Assert.Equal(0, Scalar(migrated, "SELECT total_bytes FROM folders WHERE id = 3"));
        Assert.Equal(EightBitNoCrlf.Length + 2 + WithCrlf.Length + LargeNoCrlf.Length + 2, Scalar(migrated, "SELECT used_bytes FROM accounts WHERE id = 1"));
        Assert.Equal(0, Scalar(migrated, "SELECT used_bytes FROM accounts WHERE id = 2"));
        Assert.Equal("ok", Scalar<string>(migrated, "PRAGMA integrity_check"));
    }

    private static long Insert(SqliteConnection connection, long account, long folder, byte[] raw)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO messages (account_id, folder_id, uid, internal_date, size, from_address, from_name, to_addresses, cc_addresses,
                                  subject, message_id, in_reply_to, thread_key, thread_subject, preview, has_attachments)
            VALUES ($a, $f, (SELECT uid_next FROM folders WHERE id = $f), 0, $size, '', '', '', '', '', '', '', 't', '', '', 0) RETURNING id;
            """;
        command.Parameters.AddWithValue("$a", account);
        command.Parameters.AddWithValue("$f", folder);
        command.Parameters.AddWithValue("$size", raw.LongLength);
        var id = Convert.ToInt64(command.ExecuteScalar());
        Execute(connection, $"UPDATE folders SET uid_next = uid_next + 1 WHERE id = {folder}");
        using var rawInsert = connection.CreateCommand();
        rawInsert.CommandText = "INSERT INTO message_raw (message_id, raw) VALUES ($id, $raw)";
        rawInsert.Parameters.AddWithValue("$id", id);
        rawInsert.Parameters.Add("$raw", SqliteType.Blob).Value = raw;
        rawInsert.ExecuteNonQuery();
        return id;
    }

    private static byte[] Raw(SqliteConnection connection, long id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT raw FROM message_raw WHERE message_id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (byte[])command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql) => Convert.ToInt64(Scalar<object>(connection, sql));

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }
}
