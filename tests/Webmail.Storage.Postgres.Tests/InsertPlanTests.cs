using Npgsql;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Storage.Postgres.Tests;

/// <summary>
/// How PostgreSQL runs the statement that stores every message: its conversation lookup by subject must read one
/// index entry, not every message that shares the subject (a daily report, a newsletter: thousands of them); and
/// how it stores the large values (lz4, migration 0006).
/// </summary>
public sealed class InsertPlanTests : IAsyncLifetime
{
    private readonly TestStore _store = new(StoreProvider.Postgres);
    private long _account;
    private long _inbox;

    public async Task InitializeAsync()
    {
        _account = await AccountRows.CreateAsync(ConnectionString, "plan@local.example");
        _inbox = (await _store.Messages.GetSpecialFolderAsync(_account, SpecialFolder.Inbox, default)).Id;
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private string ConnectionString => _store.PostgresConnectionString!;

    [Fact]
    public async Task TheConversationBySubjectIsTheNewestIndexEntryNotASortOfEveryMatch()
    {
        // An account whose newest mail is about other things, with a run of reports before it.
        for (var i = 0; i < 30; i++)
            await _store.Messages.AppendAsync(_account, _inbox, TestMessages.Simple(subject: "Daily report"), MessageFlags.None);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var others = new NpgsqlCommand(
            "INSERT INTO messages (account_id, folder_id, internal_date, size, from_address, from_name, to_addresses, cc_addresses, subject, " +
            "message_id, in_reply_to, thread_key, thread_subject, preview, has_attachments) " +
            "SELECT account_id, folder_id, internal_date, size, from_address, from_name, to_addresses, cc_addresses, 'Other ' || g, " +
            "'', '', 't' || g, 'other ' || g, preview, has_attachments FROM messages, generate_series(1, 3000) g WHERE id = (SELECT min(id) FROM messages)", connection))
            await others.ExecuteNonQueryAsync();
        await using (var analyze = new NpgsqlCommand("ANALYZE messages", connection))
            await analyze.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand("EXPLAIN " + PostgresMessageInserter.InsertSql, connection);
        foreach (var (name, value) in new (string, object)[]
        {
            ("a", _account), ("f", _inbox), ("flags", 0L), ("idate", 0L), ("size", 100L), ("fa", "a@x.example"), ("fn", ""), ("to", ""),
            ("cc", ""), ("subj", "Daily report"), ("date", 0L), ("mid", ""), ("irt", ""), ("refs", Array.Empty<string>()), ("tk", "t1"),
            ("ts", "daily report"), ("prev", ""), ("att", false), ("unterminated", false), ("kw", ""), ("ascii", true), ("raw", new byte[] { 1 }),
            ("e", ""), ("bs", ""), ("b", ""), ("doc", ""),
        })
            explain.Parameters.AddWithValue(name, value);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));

        Assert.True(plan.Any(line => line.Contains("Index Scan Backward using messages_account_thread_subject_id on messages", StringComparison.Ordinal)), string.Join("\n", plan));
    }

    [Fact]
    public async Task AnImportsDuplicateLookupUsesTheMessageIdIndexInItsPreparedPlan()
    {
        // 3,000 messages of one size: a plan through messages_folder_size reads them all for every message imported.
        await _store.Messages.AppendAsync(_account, _inbox, TestMessages.Simple(subject: "Sized"), MessageFlags.None);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var same = new NpgsqlCommand(
            "INSERT INTO messages (account_id, folder_id, uid, internal_date, size, from_address, from_name, to_addresses, cc_addresses, subject, " +
            "message_id, in_reply_to, thread_key, thread_subject, preview, has_attachments) " +
            "SELECT account_id, folder_id, uid + g, internal_date, size, from_address, from_name, to_addresses, cc_addresses, subject, " +
            "'same-' || g || '@x.example', '', thread_key, thread_subject, preview, has_attachments FROM messages, generate_series(1, 3000) g WHERE id = (SELECT min(id) FROM messages)", connection))
            await same.ExecuteNonQueryAsync();
        await using (var analyze = new NpgsqlCommand("ANALYZE messages", connection))
            await analyze.ExecuteNonQueryAsync();
        // The store's statements are prepared (Max Auto Prepare): after five runs PostgreSQL may keep a generic plan,
        // which knows nothing of the parameters' values. Only `message_id <> ''` in the statement lets that plan use
        // the partial index.
        await using (var generic = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection))
            await generic.ExecuteNonQueryAsync();
        var sql = PostgresMessageStore.ImportDuplicateSql.Replace("@f", "$1").Replace("@m", "$2").Replace("@s", "$3");
        await using (var prepare = new NpgsqlCommand($"PREPARE duplicate (bigint, text, bigint) AS {sql}", connection))
            await prepare.ExecuteNonQueryAsync();
        long size;
        await using (var sizes = new NpgsqlCommand("SELECT min(size) FROM messages", connection))
            size = (long)(await sizes.ExecuteScalarAsync())!;
        await using var explain = new NpgsqlCommand($"EXPLAIN EXECUTE duplicate ({_inbox}, 'same-7@x.example', {size})", connection);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));

        Assert.True(plan.Any(line => line.Contains("messages_folder_msgid", StringComparison.Ordinal)), string.Join("\n", plan));
    }

    [Fact]
    public async Task LargeValuesAreCompressedWithLz4()
    {
        await _store.Messages.AppendAsync(_account, _inbox, TestMessages.OfSize(20_000), MessageFlags.None);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var columns = new NpgsqlCommand(
            "SELECT attrelid::regclass::text || '.' || attname, attcompression::text FROM pg_attribute " +
            "WHERE (attrelid, attname) IN (('message_raw'::regclass, 'raw'), ('message_search'::regclass, 'document'), " +
            "('outbound_messages'::regclass, 'raw'), ('held_submissions'::regclass, 'raw')) ORDER BY 1", connection))
        await using (var reader = await columns.ExecuteReaderAsync())
        {
            var methods = new List<string>();
            while (await reader.ReadAsync())
                methods.Add($"{reader.GetString(0)} {reader.GetString(1)}");
            Assert.Equal(["held_submissions.raw l", "message_raw.raw l", "message_search.document l", "outbound_messages.raw l"], methods);
        }
        await using var stored = new NpgsqlCommand("SELECT pg_column_compression(r.raw) FROM message_raw r JOIN messages m ON m.id = r.message_id WHERE m.account_id = @a", connection);
        stored.Parameters.AddWithValue("a", _account);
        Assert.Equal("lz4", await stored.ExecuteScalarAsync());
    }
}
