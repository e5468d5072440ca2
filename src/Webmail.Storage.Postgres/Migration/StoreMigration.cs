using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Webmail.Core.Messages;
using Webmail.Core.Storage;

namespace Webmail.Storage.Postgres.Migration;

/// <summary>Where a migration is: the step (a table, <c>search index</c>, <c>verify</c>), rows done of the step's total.</summary>
public sealed record MigrationProgress(string Step, long Done, long Total);

/// <summary>A finished copy: rows per table, the messages and their bytes, how long it took, the PostgreSQL-only tables left empty.</summary>
public sealed record MigrationResult(IReadOnlyList<(string Table, long Rows)> Tables, long Messages, long Bytes, TimeSpan Elapsed, IReadOnlyList<string> PostgresOnly);

/// <summary>
/// <c>Webmail store migrate --to postgres</c>: copies a SQLite store into an empty, migrated PostgreSQL database,
/// table by table in foreign-key order with binary COPY, ids and every column as they are, so folders keep their
/// UIDVALIDITY, UIDs, UIDNEXT and MODSEQs and IMAP clients do not resync (RFC 9051 §2.3.1.1, RFC 7162 §3.1). The
/// whole copy is one PostgreSQL transaction: a failure leaves the target as empty as it was. The rows are read in one
/// SQLite read transaction, a snapshot, so the copy is consistent even if something wrote the file meanwhile (the
/// command holds the data directory's lock, so no server does). The search index is rebuilt from the raw messages
/// (SQLite's FTS5 index keeps no text to copy); <see cref="StoreMigrationVerifier"/> checks the result.
/// </summary>
public sealed class StoreMigration(string sqlitePath, NpgsqlDataSource target)
{
    /// <summary>Named first when a target is refused: the rows that say "this database is in use".</summary>
    private static readonly string[] MustBeEmpty = ["domains", "accounts", "messages"];

    /// <exception cref="StoreException">The target is not empty, the schemas differ, or a row could not be written.</exception>
    public async Task<MigrationResult> CopyAsync(IProgress<MigrationProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var source = OpenSource(sqlitePath);
        await using var connection = await target.OpenConnectionAsync(ct).ConfigureAwait(false);
        var plan = await MigrationPlan.LoadAsync(source, connection, ct).ConfigureAwait(false);
        await RefuseNonEmptyAsync(connection, plan, ct).ConfigureAwait(false);

        // A snapshot of the SQLite store for the whole copy (WAL readers see one committed state).
        await using var snapshot = source.BeginTransaction(deferred: true);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var triggered = await TablesWithTriggersAsync(connection, plan, ct).ConfigureAwait(false);
        // The counters, MODSEQs and expunge log come with the rows; the triggers that keep them must not add to them.
        foreach (var table in triggered)
            await ExecuteAsync(connection, $"ALTER TABLE {table} DISABLE TRIGGER USER", ct).ConfigureAwait(false);

        var copied = new List<(string, long)>();
        long messages = 0, bytes = 0;
        foreach (var table in plan.Tables)
        {
            var total = Count(source, table.Name);
            var rows = await CopyTableAsync(source, connection, table, total, progress, ct).ConfigureAwait(false);
            copied.Add((table.Name, rows));
            if (table.Name == "messages")
                messages = rows;
        }
        if (plan.HasSearchIndex)
            bytes = await RebuildSearchAsync(source, connection, messages, progress, ct).ConfigureAwait(false);
        foreach (var table in triggered)
            await ExecuteAsync(connection, $"ALTER TABLE {table} ENABLE TRIGGER USER", ct).ConfigureAwait(false);
        await MoveSequencesAsync(source, connection, plan, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return new MigrationResult(copied, messages, bytes, clock.Elapsed, plan.PostgresOnly);
    }

    internal static SqliteConnection OpenSource(string path)
    {
        if (!File.Exists(path))
            throw new StoreException($"There is no SQLite store at {path}.");
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        return connection;
    }

    internal static long Count(SqliteConnection source, string table)
    {
        using var command = source.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Refuses a database that holds any row of a table the copy writes, naming the tables (domains, accounts and messages first).</summary>
    private static async Task RefuseNonEmptyAsync(NpgsqlConnection connection, MigrationPlan plan, CancellationToken ct)
    {
        var occupied = new List<string>();
        foreach (var table in plan.Tables.Select(t => t.Name).OrderBy(t => Array.IndexOf(MustBeEmpty, t) is var i && i < 0 ? int.MaxValue : i))
        {
            await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {table})", connection);
            if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true)
                occupied.Add(table);
        }
        if (occupied.Count > 0)
            throw new StoreException($"The PostgreSQL database is not empty ({string.Join(", ", occupied)} hold rows); store migrate copies only into an empty database. Create a new one (createdb) and point --connection at it.");
    }

    private static async Task<List<string>> TablesWithTriggersAsync(NpgsqlConnection connection, MigrationPlan plan, CancellationToken ct)
    {
        var names = plan.Tables.Select(t => t.Name).ToArray();
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(@n)", connection);
        command.Parameters.AddWithValue("n", names);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            tables.Add(reader.GetString(0));
        return tables;
    }

    private static async Task<long> CopyTableAsync(SqliteConnection source, NpgsqlConnection connection, MigrationTable table, long total, IProgress<MigrationProgress>? progress, CancellationToken ct)
    {
        using var select = source.CreateCommand();
        // A table that refers to itself (folders' parent) goes parents first: depth by depth.
        select.CommandText = table.SelfReference is { } parent
            ? $"WITH RECURSIVE depth(id, level) AS (SELECT id, 0 FROM {table.Name} WHERE {parent} IS NULL " +
              $"UNION ALL SELECT t.id, d.level + 1 FROM {table.Name} t JOIN depth d ON t.{parent} = d.id) " +
              $"SELECT {string.Join(", ", table.Columns.Select(c => "t." + c.Name))} FROM {table.Name} t JOIN depth d ON d.id = t.id ORDER BY d.level, t.id"
            : $"SELECT {table.ColumnList} FROM {table.Name}";
        long rows = 0;
        try
        {
            await using var writer = await connection.BeginBinaryImportAsync($"COPY {table.Name} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
            await using var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
            progress?.Report(new MigrationProgress(table.Name, 0, total));
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                await writer.StartRowAsync(ct).ConfigureAwait(false);
                for (var i = 0; i < table.Columns.Count; i++)
                    await WriteAsync(writer, reader, i, table.Columns[i], ct).ConfigureAwait(false);
                if (++rows % 256 == 0)
                    progress?.Report(new MigrationProgress(table.Name, rows, total));
            }
            await writer.CompleteAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new StoreException($"Copying {table.Name} failed after {rows:N0} rows: {e.MessageText}{(e.Detail is { Length: > 0 } d ? " (" + d + ")" : "")}; nothing was kept.");
        }
        progress?.Report(new MigrationProgress(table.Name, rows, total));
        return rows;
    }

    /// <summary>One SQLite value as the PostgreSQL column's type: 0/1 become booleans, text stays text, blobs bytea.</summary>
    private static Task WriteAsync(NpgsqlBinaryImporter writer, SqliteDataReader reader, int i, MigrationColumn column, CancellationToken ct)
    {
        if (reader.IsDBNull(i))
            return writer.WriteNullAsync(ct);
        var value = reader.GetValue(i);
        return column.Type switch
        {
            NpgsqlDbType.Bigint => writer.WriteAsync(Convert.ToInt64(value), NpgsqlDbType.Bigint, ct),
            NpgsqlDbType.Integer => writer.WriteAsync(Convert.ToInt32(value), NpgsqlDbType.Integer, ct),
            NpgsqlDbType.Boolean => writer.WriteAsync(Convert.ToInt64(value) != 0, NpgsqlDbType.Boolean, ct),
            NpgsqlDbType.Bytea => writer.WriteAsync(value as byte[] ?? Encoding.UTF8.GetBytes(Convert.ToString(value)!), NpgsqlDbType.Bytea, ct),
            _ => writer.WriteAsync(value is byte[] blob ? Encoding.UTF8.GetString(blob) : Convert.ToString(value)!, NpgsqlDbType.Text, ct),
        };
    }

    /// <summary>
    /// The search documents, built from each raw message as the PostgreSQL store builds them on delivery
    /// (<see cref="SearchDocument"/>); returns the raw bytes read. Parsing is the slow part, so one task per core parses
    /// while one reads SQLite and this one writes the COPY (the documents' order does not matter).
    /// </summary>
    private static async Task<long> RebuildSearchAsync(SqliteConnection source, NpgsqlConnection connection, long total, IProgress<MigrationProgress>? progress, CancellationToken ct)
    {
        const string step = "search index";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var messages = Channel.CreateBounded<(long Id, byte[] Raw)>(256);
        var documents = Channel.CreateBounded<string>(256);
        long bytes = 0;
        var reading = Task.Run(async () =>
        {
            try
            {
                using var select = source.CreateCommand();
                select.CommandText = "SELECT message_id, raw FROM message_raw";
                await using var reader = await select.ExecuteReaderAsync(stop.Token).ConfigureAwait(false);
                while (await reader.ReadAsync(stop.Token).ConfigureAwait(false))
                {
                    var raw = reader.GetFieldValue<byte[]>(1);
                    bytes += raw.LongLength;
                    await messages.Writer.WriteAsync((reader.GetInt64(0), raw), stop.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                messages.Writer.Complete();
            }
        }, stop.Token);
        var parsing = Task.WhenAll(Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(_ => Task.Run(async () =>
        {
            await foreach (var (id, raw) in messages.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                var line = new StringBuilder().Append(id).Append('\t');
                AppendCopyText(line, SearchDocument.Build(MessageParser.Parse(raw)));
                await documents.Writer.WriteAsync(line.Append('\n').ToString(), stop.Token).ConfigureAwait(false);
            }
        }, stop.Token))).ContinueWith(t => documents.Writer.Complete(t.Exception), TaskScheduler.Default);

        long rows = 0;
        var written = false;
        progress?.Report(new MigrationProgress(step, 0, total));
        try
        {
            await using var writer = await connection.BeginTextImportAsync($"COPY {MigrationPlan.SearchTable} (message_id, document) FROM STDIN", ct).ConfigureAwait(false);
            await foreach (var line in documents.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await writer.WriteAsync(line.AsMemory(), ct).ConfigureAwait(false);
                if (++rows % 256 == 0)
                    progress?.Report(new MigrationProgress(step, rows, total));
            }
            written = true;
        }
        finally
        {
            // On a failure here the reader and parsers stop too, rather than wait on full channels for ever.
            if (!written)
                await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(reading, parsing).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        // A failure to read SQLite ends the documents early: it is that failure, not a short index.
        await reading.ConfigureAwait(false);
        progress?.Report(new MigrationProgress(step, rows, total));
        return bytes;
    }

    /// <summary>COPY's text format: backslash, tab, newline and carriage return escaped.</summary>
    private static void AppendCopyText(StringBuilder line, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => line.Append(@"\\"),
                '\t' => line.Append(@"\t"),
                '\n' => line.Append(@"\n"),
                '\r' => line.Append(@"\r"),
                _ => line.Append(c),
            };
        }
    }

    /// <summary>
    /// Each identity's sequence past the copied ids, and past any id SQLite's AUTOINCREMENT ever gave (a message id
    /// is the POP3 UIDL and is never given twice, RFC 1939 §7).
    /// </summary>
    private static async Task MoveSequencesAsync(SqliteConnection source, NpgsqlConnection connection, MigrationPlan plan, CancellationToken ct)
    {
        var given = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var command = source.CreateCommand())
        {
            command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_sequence'";
            if ((long)command.ExecuteScalar()! > 0)
            {
                command.CommandText = "SELECT name, seq FROM sqlite_sequence";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    given[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        foreach (var table in plan.Tables.Where(t => t.Identity is not null))
        {
            await using var command = new NpgsqlCommand(
                $"SELECT setval(pg_get_serial_sequence('{table.Name}', '{table.Identity}'), greatest(@given, (SELECT max({table.Identity}) FROM {table.Name}))) " +
                $"WHERE greatest(@given, (SELECT max({table.Identity}) FROM {table.Name})) > 0", connection);
            command.Parameters.AddWithValue("given", given.GetValueOrDefault(table.Name));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
