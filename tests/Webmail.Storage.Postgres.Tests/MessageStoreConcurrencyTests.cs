using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Postgres.Tests;

/// <summary>
/// What only PostgreSQL has: several nodes (each its own data source and store) writing one mailbox at once, and
/// raw messages streamed from the database without being held whole.
/// </summary>
public sealed class MessageStoreConcurrencyTests : IAsyncLifetime
{
    private readonly TestStore _store = new(StoreProvider.Postgres);
    private TestStoreAt _secondNode = null!;
    private long _account;
    private long _inbox;

    public async Task InitializeAsync()
    {
        // A second node: the same database, its own service provider, data source and connection pool.
        var settings = new Dictionary<string, string?>
        {
            ["Webmail:Store:Provider"] = "postgres",
            ["Webmail:Store:ConnectionString"] = ConnectionString,
        };
        _secondNode = new TestStoreAt(_store.DataDirectory, settings);
        _account = await AccountRows.CreateAsync(ConnectionString, "many@local.example");
        _inbox = (await _store.Messages.GetSpecialFolderAsync(_account, SpecialFolder.Inbox, default)).Id;
    }

    private string ConnectionString => _store.PostgresConnectionString!;

    public async Task DisposeAsync()
    {
        await _secondNode.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrentAppendsFromTwoNodesGetUniqueIncreasingUidsAndExactCounters()
    {
        const int writersPerNode = 12, perWriter = 15;
        IMessageStore[] nodes = [_store.Messages, _secondNode.Messages];
        var stored = await Task.WhenAll(nodes.SelectMany(node => Enumerable.Range(0, writersPerNode).Select(w => Task.Run(async () =>
        {
            var list = new List<StoredMessage>();
            for (var i = 0; i < perWriter; i++)
                list.Add(await node.AppendAsync(_account, _inbox, TestMessages.Simple(subject: $"w{w} m{i}"), MessageFlags.None));
            return list;
        }))));

        const int total = 2 * writersPerNode * perWriter;
        var all = stored.SelectMany(s => s).ToList();
        // Unique, gap-free, and increasing in each writer's own order (a later append never gets a lower UID).
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), all.Select(s => s.Uid).Order());
        Assert.All(stored, list => Assert.True(list.Select(s => s.Uid).SequenceEqual(list.Select(s => s.Uid).Order())));
        var inbox = (await _secondNode.Messages.GetFolderAsync(_account, _inbox, default))!;
        Assert.Equal(total + 1, inbox.UidNext);
        Assert.Equal(total, inbox.MessageCount);
        Assert.Equal(total, inbox.UnreadCount);
        Assert.Equal(all.Sum(s => s.Size), inbox.TotalBytes);
        // Every append raised the folder's MODSEQ once, and each message carries a distinct one.
        Assert.Equal(1 + total, inbox.HighestModseq);
        var rows = await _store.Messages.GetMessagesAsync(_account, _inbox, all.Select(s => s.Uid).ToList(), ImapMessageParts.None, default);
        Assert.Equal(total, rows.Select(r => r.Modseq).Distinct().Count());
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var account = new NpgsqlCommand("SELECT used_bytes, message_count FROM accounts WHERE id = @a", connection);
        account.Parameters.AddWithValue("a", _account);
        await using var reader = await account.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(all.Sum(s => s.Size), reader.GetInt64(0));
        Assert.Equal(total, reader.GetInt64(1));
    }

    [Fact]
    public async Task DeliveriesThatWaitTogetherAreWrittenInOneTransactionWithinTheQuota()
    {
        var raw = TestMessages.OfSize(2048);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var quota = new NpgsqlCommand("UPDATE accounts SET quota_bytes = @q WHERE id = @a", connection))
        {
            // Room for the first delivery and three of the six that wait behind it.
            quota.Parameters.AddWithValue("q", 4L * raw.Length + raw.Length / 2);
            quota.Parameters.AddWithValue("a", _account);
            await quota.ExecuteNonQueryAsync();
        }
        var (first, next) = await WhileTheAccountIsHeldAsync(() => Enumerable.Range(0, 6).Select(_ => Deliver(_account, raw)).ToList());

        Assert.NotNull((await first).Mailboxes.Single().Message);
        var results = (await Task.WhenAll(next)).Select(r => r.Mailboxes.Single()).ToList();
        Assert.Equal(3, results.Count(r => r.Message is not null));
        Assert.Equal(3, results.Count(r => r.QuotaExceeded && r.Message is null));
        await using var transactions = new NpgsqlCommand("SELECT count(DISTINCT xmin::text) FROM messages WHERE account_id = @a AND uid > 1", connection);
        transactions.Parameters.AddWithValue("a", _account);
        Assert.Equal(1L, await transactions.ExecuteScalarAsync());
    }

    [Fact]
    public async Task ADeliveryThatFailsInABatchFailsAloneAndTheOthersAreStored()
    {
        var raw = TestMessages.OfSize(2048);
        // An account that does not exist, in the same delivery lane as the others (so in their batch).
        var missing = _account + PostgresMessageStore.DeliveryLanes * 1_000_000L;
        var (first, next) = await WhileTheAccountIsHeldAsync(() =>
            [Deliver(_account, raw), Deliver(_account, raw), Deliver(missing, raw), Deliver(_account, raw)]);

        Assert.NotNull((await first).Mailboxes.Single().Message);
        await Assert.ThrowsAnyAsync<StoreException>(() => next[2]);
        foreach (var delivery in next.Where((_, i) => i != 2))
            Assert.NotNull((await delivery).Mailboxes.Single().Message);
        Assert.Equal(4, (await _store.Messages.ListAsync(_account, _inbox, 0, 50, MessageSort.DateDescending, default)).Total);
    }

    [Fact]
    public async Task DeliveriesToAccountsOfDifferentLanesOnTwoNodesAreAllStoredInOrder()
    {
        // Accounts in every delivery lane, and deliveries that each go to two of them, both orders, from both nodes at
        // once: lanes write side by side, and a delivery whose accounts lie in two lanes waits for both rows.
        var accounts = new List<long> { _account };
        for (var i = 1; i < PostgresMessageStore.DeliveryLanes + 1; i++)
            accounts.Add(await AccountRows.CreateAsync(ConnectionString, $"lane{i}@local.example"));
        Assert.Equal(PostgresMessageStore.DeliveryLanes, accounts.Select(a => a % PostgresMessageStore.DeliveryLanes).Distinct().Count());
        IMessageStore[] nodes = [_store.Messages, _secondNode.Messages];
        var raw = TestMessages.OfSize(1024);
        var random = new Random(19);
        var pairs = Enumerable.Range(0, 120).Select(_ => (accounts[random.Next(accounts.Count)], accounts[random.Next(accounts.Count)])).Where(p => p.Item1 != p.Item2).ToList();
        await Task.WhenAll(pairs.Select((pair, i) => Task.Run(() => nodes[i % 2].DeliverAsync(
            new DeliveryRequest(raw, [new MailboxDelivery(pair.Item1, SpecialFolder.Inbox), new MailboxDelivery(pair.Item2, SpecialFolder.Inbox)]), default))));

        foreach (var account in accounts)
        {
            var expected = pairs.Count(p => p.Item1 == account || p.Item2 == account);
            var inbox = await _store.Messages.GetSpecialFolderAsync(account, SpecialFolder.Inbox, default);
            Assert.Equal(expected, inbox.MessageCount);
            Assert.Equal(expected + 1, inbox.UidNext);
        }
    }

    [Fact]
    public async Task EachLaneCountsInItsOwnRowSoALaneNeverWaitsForAnothersCounter()
    {
        // Every delivery transaction adds to the hour's count of received mail, and keeps that counter row locked
        // until it commits. With one row for all, each lane's transaction waited for the other lanes' commits.
        var other = await AccountRows.CreateAsync(ConnectionString, "other-lane@local.example");
        Assert.NotEqual(_account % PostgresMessageStore.DeliveryLanes, other % PostgresMessageStore.DeliveryLanes);
        var raw = TestMessages.OfSize(1024);
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        Task Received(long account) =>
            _store.Messages.DeliverAsync(new DeliveryRequest(raw, [new MailboxDelivery(account, SpecialFolder.Inbox, Counts: MailEventKind.Received)]), default);
        await Received(_account);

        // An open transaction holds the first account's lane's counter rows, as a delivery of that lane does until
        // its commit; a delivery in the other lane goes through meanwhile.
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var holder = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT count(*) FROM (SELECT 1 FROM mail_events WHERE shard = @s FOR UPDATE) held", connection, holder))
        {
            hold.Parameters.AddWithValue("s", (short)(_account % PostgresMessageStore.DeliveryLanes));
            Assert.True((long)(await hold.ExecuteScalarAsync())! > 0, "The first delivery counted no received mail in its lane's row.");
        }
        await Received(other).WaitAsync(TimeSpan.FromSeconds(30));
        await holder.CommitAsync();
        await Received(_account);

        // The dashboard adds the lanes' rows up.
        var events = await _store.Services.GetRequiredService<IServerStateStore>().GetMailEventsAsync(since, TimeSpan.FromDays(1), default);
        Assert.Equal(3, events.Where(e => e.Kind == MailEventKind.Received).Sum(e => e.Count));
    }

    private Task<DeliveryReceipt> Deliver(long account, byte[] raw) =>
        _store.Messages.DeliverAsync(new DeliveryRequest(raw, [new MailboxDelivery(account, SpecialFolder.Inbox)]), default);

    /// <summary>
    /// Holds the account's row in another transaction while one delivery's transaction comes to wait on it and the
    /// deliveries <paramref name="next"/> starts queue behind it for the node's next transaction; then lets go.
    /// </summary>
    private async Task<(Task<DeliveryReceipt> First, List<Task<DeliveryReceipt>> Next)> WhileTheAccountIsHeldAsync(Func<List<Task<DeliveryReceipt>>> next)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var holder = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM accounts WHERE id = @a FOR UPDATE", connection, holder))
        {
            hold.Parameters.AddWithValue("a", _account);
            await hold.ExecuteNonQueryAsync();
        }
        var first = Deliver(_account, TestMessages.OfSize(2048));
        await WaitUntilADeliveryWaitsOnALockAsync();
        var queued = next();
        await holder.CommitAsync();
        return (first, queued);
    }

    private async Task WaitUntilADeliveryWaitsOnALockAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
            if ((long)(await waiting.ExecuteScalarAsync())! > 0)
                return;
            Assert.True(DateTime.UtcNow < deadline, "No delivery came to wait on the account's row.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task OppositeMovesBetweenTwoFoldersOnTwoNodesAllComplete()
    {
        var archive = (await _store.Messages.GetSpecialFolderAsync(_account, SpecialFolder.Archive, default)).Id;
        var inInbox = new List<long>();
        var inArchive = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            inInbox.Add((await _store.Messages.AppendAsync(_account, _inbox, TestMessages.Simple(subject: $"in {i}"), MessageFlags.None)).Id);
            inArchive.Add((await _store.Messages.AppendAsync(_account, archive, TestMessages.Simple(subject: $"ar {i}"), MessageFlags.None)).Id);
        }

        // One node moves inbox → archive while the other moves archive → inbox, message by message.
        await Task.WhenAll(
            Task.Run(async () => { foreach (var id in inInbox) await _store.Messages.MoveAsync(_account, [id], archive, default); }),
            Task.Run(async () => { foreach (var id in inArchive) await _secondNode.Messages.MoveAsync(_account, [id], _inbox, default); }));

        var (a, b) = ((await _store.Messages.GetFolderAsync(_account, _inbox, default))!, (await _store.Messages.GetFolderAsync(_account, archive, default))!);
        Assert.Equal((20, 20), (a.MessageCount, b.MessageCount));
        Assert.Equal((41, 41), (a.UidNext, b.UidNext));
        var inboxNow = await _store.Messages.ListAsync(_account, _inbox, 0, 100, MessageSort.DateDescending, default);
        Assert.All(inboxNow.Items, m => Assert.StartsWith("ar ", m.Subject));
    }

    [Fact]
    public async Task ALargeMessageStreamsOutWithoutBeingLoadedWhole()
    {
        const int size = 20 * 1024 * 1024;
        var raw = LargeMessage(size);
        var stored = await _store.Messages.AppendAsync(_account, _inbox, raw, MessageFlags.None, enforceQuota: false);
        var expected = SHA256.HashData(raw);
        Assert.Equal(raw.LongLength, stored.Size);
        raw = null;

        // The POP3 / IMAP path: a synchronous reader on a held connection, read in 64 KB steps.
        using var messages = ((IMaildropStore)_store.Messages).OpenRawReader(_account);
        var buffer = new byte[64 * 1024];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var before = GC.GetAllocatedBytesForCurrentThread();
        long length;
        using (var stream = messages.Open(stored.Id)!)
        {
            length = stream.Length;
            int read;
            while ((read = stream.Read(buffer)) > 0)
                hash.AppendData(buffer, 0, read);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(stored.Size, length);
        Assert.Equal(expected, hash.GetHashAndReset());
        Assert.True(allocated < 2 * 1024 * 1024, $"{allocated:N0} bytes allocated reading a {size:N0}-byte message");

        // The download path streams the same bytes.
        await using var download = (await _store.Messages.OpenRawAsync(_account, stored.Id, default))!;
        int got;
        while ((got = await download.ReadAsync(buffer)) > 0)
            hash.AppendData(buffer, 0, got);
        Assert.Equal(expected, hash.GetHashAndReset());
    }

    private static byte[] LargeMessage(int size)
    {
        var head = Encoding.ASCII.GetBytes("From: big@remote.example\r\nTo: many@local.example\r\nSubject: Large\r\nContent-Type: text/plain\r\n\r\n");
        var raw = new byte[size];
        head.CopyTo(raw, 0);
        // Lines of letters that vary (so TOAST compression does not shrink them to nothing), each ending in CRLF.
        var random = new Random(7);
        for (var i = head.Length; i < size; i++)
            raw[i] = (i - head.Length) % 78 == 76 ? (byte)'\r' : (i - head.Length) % 78 == 77 ? (byte)'\n' : (byte)('a' + random.Next(26));
        raw[^2] = (byte)'\r';
        raw[^1] = (byte)'\n';
        return raw;
    }
}
