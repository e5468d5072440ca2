using System.Buffers.Binary;
using System.Data;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres.Migration;

/// <summary>What the verify step compared: rows per table, and the folders whose messages it hashed on both sides.</summary>
public sealed record MigrationVerification(IReadOnlyList<(string Table, long Rows)> Tables, int Folders, long Messages);

/// <summary>
/// The verify step of <c>store migrate</c>: the row count of every copied table on both sides, then per folder its
/// IMAP state (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ), its message count and a SHA-256 over every message's
/// (uid, flags, keywords, modseq, raw bytes) in UID order, computed by reading each side. The first difference fails
/// with the table or folder named.
/// </summary>
public sealed class StoreMigrationVerifier(string sqlitePath, NpgsqlDataSource target)
{
    private const string MessagesOfFolder =
        "SELECT m.uid, m.flags, m.keywords, m.modseq, r.raw FROM messages m JOIN message_raw r ON r.message_id = m.id WHERE m.folder_id = @f ORDER BY m.uid";

    /// <exception cref="StoreException">A table or a folder differs between the two stores.</exception>
    public async Task<MigrationVerification> VerifyAsync(IProgress<MigrationProgress>? progress, CancellationToken ct)
    {
        await using var source = StoreMigration.OpenSource(sqlitePath);
        await using var connection = await target.OpenConnectionAsync(ct).ConfigureAwait(false);
        var plan = await MigrationPlan.LoadAsync(source, connection, ct).ConfigureAwait(false);
        var counts = new List<(string, long)>();
        foreach (var table in plan.Tables)
        {
            var expected = StoreMigration.Count(source, table.Name);
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table.Name}", connection);
            var actual = (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            if (actual != expected)
                throw new StoreException($"verify: {table.Name} has {expected:N0} rows in SQLite but {actual:N0} in PostgreSQL.");
            counts.Add((table.Name, actual));
        }

        var folders = Folders(source);
        var total = folders.Sum(f => f.Messages);
        long done = 0;
        progress?.Report(new MigrationProgress("verify", 0, total));
        foreach (var folder in folders)
        {
            await using (var command = new NpgsqlCommand("SELECT uid_validity, uid_next, highest_modseq FROM folders WHERE id = @f", connection))
            {
                command.Parameters.AddWithValue("f", folder.Id);
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                    throw new StoreException($"verify: the folder {folder.Path} is missing in PostgreSQL.");
                var state = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
                if (state != (folder.UidValidity, folder.UidNext, folder.HighestModseq))
                    throw new StoreException($"verify: the folder {folder.Path} has UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ {folder.UidValidity}/{folder.UidNext}/{folder.HighestModseq} in SQLite but {state.Item1}/{state.Item2}/{state.Item3} in PostgreSQL.");
            }
            using var sqlite = source.CreateCommand();
            sqlite.CommandText = MessagesOfFolder;
            sqlite.Parameters.AddWithValue("@f", folder.Id);
            var (expectedCount, expectedHash) = await DigestAsync(sqlite, ct).ConfigureAwait(false);
            await using var postgres = new NpgsqlCommand(MessagesOfFolder, connection);
            postgres.Parameters.AddWithValue("f", folder.Id);
            var (actualCount, actualHash) = await DigestAsync(postgres, ct).ConfigureAwait(false);
            if (actualCount != expectedCount)
                throw new StoreException($"verify: the folder {folder.Path} has {expectedCount:N0} messages in SQLite but {actualCount:N0} in PostgreSQL.");
            if (!expectedHash.AsSpan().SequenceEqual(actualHash))
                throw new StoreException($"verify: the folder {folder.Path} differs: the checksum over its messages' UIDs, flags and bytes is not the same in PostgreSQL.");
            done += expectedCount;
            progress?.Report(new MigrationProgress("verify", done, total));
        }
        return new MigrationVerification(counts, folders.Count, total);
    }

    /// <summary>The messages' (uid, flags, keywords, modseq, raw) in UID order, hashed; the raw bytes streamed.</summary>
    private static async Task<(long Count, byte[] Hash)> DigestAsync(DbCommand command, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var number = new byte[8];
        void Add(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(number, value);
            hash.AppendData(number);
        }
        var buffer = new byte[81920];
        long count = 0;
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            Add(reader.GetInt64(0));
            Add(reader.GetInt64(1));
            var keywords = Encoding.UTF8.GetBytes(reader.GetString(2));
            Add(keywords.Length);
            hash.AppendData(keywords);
            Add(reader.GetInt64(3));
            await using var raw = reader.GetStream(4);
            long length = 0;
            for (int read; (read = await raw.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0;)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }
            Add(length);
            count++;
        }
        return (count, hash.GetHashAndReset());
    }

    private sealed record Folder(long Id, string Path, long UidValidity, long UidNext, long HighestModseq, long Messages);

    /// <summary>Every SQLite folder, named <c>address/Parent/Child</c> for the messages that name one.</summary>
    private static List<Folder> Folders(SqliteConnection source)
    {
        var rows = new List<(long Id, long? Parent, string Address, string Name, long Validity, long Next, long Modseq, long Count)>();
        using (var command = source.CreateCommand())
        {
            command.CommandText = "SELECT f.id, f.parent_id, a.address, f.name, f.uid_validity, f.uid_next, f.highest_modseq, f.message_count FROM folders f JOIN accounts a ON a.id = f.account_id ORDER BY f.id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
        }
        var byId = rows.ToDictionary(r => r.Id);
        string PathOf(long id, int depth) =>
            byId[id].Parent is { } parent && byId.ContainsKey(parent) && depth < 64 ? PathOf(parent, depth + 1) + "/" + byId[id].Name : byId[id].Address + "/" + byId[id].Name;
        return rows.Select(r => new Folder(r.Id, PathOf(r.Id, 0), r.Validity, r.Next, r.Modseq, r.Count)).ToList();
    }
}
