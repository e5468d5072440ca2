using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

public abstract class MessageStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider);
    private Account _user = null!;
    private Folder _inbox = null!;

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("user@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task NewAccountHasTheStandardFolders()
    {
        var folders = await _store.Messages.GetFoldersAsync(_user.Id, default);
        Assert.Equal(
            [SpecialFolder.Inbox, SpecialFolder.Sent, SpecialFolder.Drafts, SpecialFolder.Trash, SpecialFolder.Junk, SpecialFolder.Archive],
            folders.Select(f => f.SpecialUse));
        Assert.All(folders, f => Assert.Equal(1, f.UidNext));
        Assert.All(folders, f => Assert.True(f.UidValidity > 0));
    }

    [Fact]
    public async Task AppendThenListReturnsParsedFieldsNewestFirst()
    {
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(from: "Lucy <lucy@a.example>", subject: "First"), MessageFlags.None, DateTimeOffset.UtcNow.AddMinutes(-1));
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Second", body: "A body worth previewing."), MessageFlags.Seen);

        var page = await _store.Messages.ListAsync(_user.Id, _inbox.Id, 0, 50, MessageSort.DateDescending, default);

        Assert.Equal(2, page.Total);
        Assert.Equal(["Second", "First"], page.Items.Select(m => m.Subject));
        Assert.Equal("lucy@a.example", page.Items[1].FromAddress);
        Assert.Equal("Lucy", page.Items[1].FromName);
        Assert.Equal("A body worth previewing.", page.Items[0].Preview);
        var inbox = await _store.Messages.GetFolderAsync(_user.Id, _inbox.Id, default);
        Assert.Equal(2, inbox!.MessageCount);
        Assert.Equal(1, inbox.UnreadCount);
        Assert.Equal(3, inbox.UidNext);
    }

    [Fact]
    public async Task ConcurrentAppendsLoseNothingAndKeepUidsStrictlyIncreasing()
    {
        const int writers = 32, perWriter = 25;
        var stored = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var list = new List<StoredMessage>();
            for (var i = 0; i < perWriter; i++)
                list.Add(await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: $"w{w} m{i}"), MessageFlags.None));
            return list;
        })));

        var all = stored.SelectMany(s => s).ToList();
        Assert.Equal(writers * perWriter, all.Select(s => s.Uid).Distinct().Count());
        // Within each writer, later appends got higher UIDs.
        Assert.All(stored, list => Assert.True(list.Zip(list.Skip(1)).All(p => p.Second.Uid > p.First.Uid)));
        var page = await _store.Messages.ListAsync(_user.Id, _inbox.Id, 0, 500, MessageSort.DateDescending, default);
        Assert.Equal(writers * perWriter, page.Total);
        var subjects = new HashSet<string>();
        for (var p = 0; p * 500 < page.Total; p++)
            foreach (var m in (await _store.Messages.ListAsync(_user.Id, _inbox.Id, p, 500, MessageSort.DateDescending, default)).Items)
                subjects.Add(m.Subject);
        Assert.Equal(writers * perWriter, subjects.Count);
        // Group commit (SQLite's writer): many appends shared a commit. PostgreSQL groups its own WAL flushes.
        if (provider == StoreProvider.Sqlite)
            Assert.True(_store.Database.Writer.Units > _store.Database.Writer.Commits, $"{_store.Database.Writer.Units} units in {_store.Database.Writer.Commits} commits");
    }

    [Fact]
    public async Task RawBytesComeBackExactly()
    {
        var raw = Encoding.Latin1.GetBytes("From: a@b.example\r\nSubject: caf\xe9\r\n\r\n.\r\n..\r\nbare\nlf and 8-bit \xff\xfe\r\n");
        var stored = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, raw, MessageFlags.None);

        Assert.Equal(raw, await _store.Messages.GetRawAsync(_user.Id, stored.Id, default));
        await using var stream = await _store.Messages.OpenRawAsync(_user.Id, stored.Id, default);
        using var copy = new MemoryStream();
        await stream!.CopyToAsync(copy);
        Assert.Equal(raw, copy.ToArray());
        Assert.Equal(raw.Length, stored.Size);
    }

    [Fact]
    public async Task OneRawReaderServesManyReadsOfItsOwnAccountOnly()
    {
        var other = await _store.CreateAccountAsync("reader-other@local.example");
        var otherInbox = await _store.Messages.GetSpecialFolderAsync(other.Id, SpecialFolder.Inbox, default);
        var foreign = await _store.Messages.AppendAsync(other.Id, otherInbox.Id, TestMessages.Simple(), MessageFlags.None);
        var raws = Enumerable.Range(0, 3).Select(i => TestMessages.OfSize(1000 + i * 70_000)).ToList();
        var stored = new List<StoredMessage>();
        foreach (var raw in raws)
            stored.Add(await _store.Messages.AppendAsync(_user.Id, _inbox.Id, raw, MessageFlags.None));

        using var reader = ((IMaildropStore)_store.Messages).OpenRawReader(_user.Id);
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < raws.Count; i++)
            {
                using var stream = reader.Open(stored[i].Id);
                using var copy = new MemoryStream();
                stream!.CopyTo(copy);
                Assert.Equal(raws[i], copy.ToArray());
            }
        }
        Assert.Null(reader.Open(foreign.Id));
        Assert.Null(reader.Open(long.MaxValue));
        // Deleted through another door while the reader is open: gone for the reader too.
        await _store.Messages.DeleteAsync(_user.Id, [stored[1].Id], default);
        Assert.Null(reader.Open(stored[1].Id));
        using (var still = reader.Open(stored[2].Id))
            Assert.Equal(raws[2].Length, still!.Length);
    }

    [Fact]
    public async Task AnotherAccountsIdsBehaveAsIfMissing()
    {
        var other = await _store.CreateAccountAsync("other@local.example");
        var stored = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);

        Assert.Null(await _store.Messages.GetRawAsync(other.Id, stored.Id, default));
        Assert.Null(await _store.Messages.OpenRawAsync(other.Id, stored.Id, default));
        Assert.Null(await _store.Messages.GetSummaryAsync(other.Id, stored.Id, default));
        Assert.Null(await _store.Messages.GetFolderAsync(other.Id, _inbox.Id, default));
        Assert.Equal(0, (await _store.Messages.ListAsync(other.Id, _inbox.Id, 0, 50, MessageSort.DateDescending, default)).Total);
        Assert.Equal(0, await _store.Messages.SetFlagsAsync(other.Id, [stored.Id], MessageFlags.Seen, true, default));
        Assert.Equal(0, await _store.Messages.DeleteAsync(other.Id, [stored.Id], default));
        var otherInbox = await _store.Messages.GetSpecialFolderAsync(other.Id, SpecialFolder.Inbox, default);
        Assert.Empty(await _store.Messages.MoveAsync(other.Id, [stored.Id], otherInbox.Id, default));
        await Assert.ThrowsAsync<StoreException>(() => _store.Messages.AppendAsync(other.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None));
        Assert.NotNull(await _store.Messages.GetRawAsync(_user.Id, stored.Id, default));
    }

    [Fact]
    public async Task SearchFindsBodyWordsPhrasesAndOperators()
    {
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(from: "Lucy <lucy@a.example>", subject: "Quarterly report", body: "The zebra crossing is closed."), MessageFlags.None);
        await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(from: "bob@b.example", subject: "Lunch", body: "Zebra stripes and lunch plans."), MessageFlags.Seen | MessageFlags.Flagged);

        async Task<string[]> Search(string q) =>
            (await _store.Messages.SearchAsync(_user.Id, SearchQuery.Parse(q), 0, 50, default)).Items.Select(m => m.Subject).Order().ToArray();

        Assert.Equal(["Lunch", "Quarterly report"], await Search("zebra"));
        Assert.Equal(["Quarterly report"], await Search("\"zebra crossing\""));
        Assert.Equal(["Quarterly report"], await Search("zebra from:lucy@a.example"));
        Assert.Equal(["Lunch"], await Search("from:bob"));
        Assert.Equal(["Lunch"], await Search("is:flagged"));
        Assert.Equal(["Quarterly report"], await Search("is:unread"));
        Assert.Equal(["Quarterly report"], await Search("subject:quarterly"));
        Assert.Empty(await Search("before:2000-01-01"));
        Assert.Empty(await Search("nothing-matches-this"));
        // FTS syntax in user input is searched as text, not executed.
        Assert.Empty(await Search("zebra\" OR \"x NEAR("));
    }

    [Fact]
    public async Task SearchPagesNewestFirstAndCountsACommonWordOnlyAsFarAsNeeded()
    {
        var many = SqliteMessageStore.SearchCountLimit + 20;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < many; i += 16)
                await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: $"n{i}", body: "common words here"), MessageFlags.None);
        })));
        var newest = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "latest", body: "common words again"), MessageFlags.None);

        var first = await _store.Messages.SearchAsync(_user.Id, SearchQuery.Parse("common"), 0, 50, default);
        Assert.True(first.TotalIsLowerBound);
        Assert.Equal(SqliteMessageStore.SearchCountLimit, first.Total);
        Assert.Equal(newest.Id, first.Items[0].Id);
        Assert.True(first.Items.Zip(first.Items.Skip(1)).All(p => p.First.Id > p.Second.Id));

        // Paging on past the counted limit keeps going and the last page is exact.
        var last = await _store.Messages.SearchAsync(_user.Id, SearchQuery.Parse("common"), (many + 1) / 50, 50, default);
        Assert.False(last.TotalIsLowerBound);
        Assert.Equal(many + 1, last.Total);
        Assert.Equal((many + 1) % 50, last.Items.Count);

        var rare = await _store.Messages.SearchAsync(_user.Id, SearchQuery.Parse("again"), 0, 50, default);
        Assert.False(rare.TotalIsLowerBound);
        Assert.Equal(1, rare.Total);
    }

    [Fact]
    public async Task FlagChangesKeepUnreadCountsRight()
    {
        var a = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);
        var b = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);

        Assert.Equal(2, await _store.Messages.SetFlagsAsync(_user.Id, [a.Id, b.Id], MessageFlags.Seen, true, default));
        Assert.Equal(0, (await _store.Messages.GetFolderAsync(_user.Id, _inbox.Id, default))!.UnreadCount);
        Assert.Equal(1, await _store.Messages.SetFlagsAsync(_user.Id, [a.Id], MessageFlags.Seen, false, default));
        Assert.Equal(1, (await _store.Messages.GetFolderAsync(_user.Id, _inbox.Id, default))!.UnreadCount);
        Assert.Equal(MessageFlags.None, (await _store.Messages.GetSummaryAsync(_user.Id, a.Id, default))!.Flags);
    }

    [Fact]
    public async Task MoveGivesNewUidsInTheTargetAndUpdatesCounters()
    {
        var archive = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Archive, default);
        var a = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);
        await _store.Messages.AppendAsync(_user.Id, archive.Id, TestMessages.Simple(), MessageFlags.Seen);

        var moved = await _store.Messages.MoveAsync(_user.Id, [a.Id], archive.Id, default);

        Assert.Equal(2, Assert.Single(moved).Uid);
        Assert.Equal(a.Id, moved[0].Id);
        Assert.Equal(0, (await _store.Messages.GetFolderAsync(_user.Id, _inbox.Id, default))!.MessageCount);
        var target = (await _store.Messages.GetFolderAsync(_user.Id, archive.Id, default))!;
        Assert.Equal(2, target.MessageCount);
        Assert.Equal(1, target.UnreadCount);
    }

    [Fact]
    public async Task DeleteExpungeAndEmptyRemoveMessagesAndQuotaUse()
    {
        var a = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.Deleted);
        var b = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);
        var c = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);

        Assert.Equal(1, await _store.Messages.ExpungeAsync(_user.Id, _inbox.Id, default));
        Assert.Null(await _store.Messages.GetSummaryAsync(_user.Id, a.Id, default));
        Assert.Equal(1, await _store.Messages.DeleteAsync(_user.Id, [b.Id], default));
        Assert.Equal(1, await _store.Messages.EmptyFolderAsync(_user.Id, _inbox.Id, default));
        var account = await _store.Directory.GetAccountAsync(_user.Id, default);
        Assert.Equal(0, account!.UsedBytes);
        Assert.Equal(0, account.MessageCount);
        Assert.Null(await _store.Messages.GetRawAsync(_user.Id, c.Id, default));
    }

    [Fact]
    public async Task DeliverFilesEveryMailboxAndQueuesRemoteRecipientsByDomain()
    {
        var other = await _store.CreateAccountAsync("other@local.example", quota: 10);
        var raw = TestMessages.Simple();

        var receipt = await _store.Messages.DeliverAsync(new DeliveryRequest(raw,
            [new MailboxDelivery(_user.Id, SpecialFolder.Sent, MessageFlags.Seen, EnforceQuota: false), new MailboxDelivery(other.Id, SpecialFolder.Inbox)],
            new OutboundEnvelope("user@local.example", ["x@remote.example", "y@remote.example", "z@elsewhere.example"], _user.Id)), default);

        Assert.NotNull(receipt.Mailboxes[0].Message);
        Assert.True(receipt.Mailboxes[1].QuotaExceeded);
        Assert.Equal(2, receipt.QueueEntryIds.Count);
        var queue = _store.Services.GetService(typeof(IOutboundQueueStore)) as IOutboundQueueStore;
        var entries = (await queue!.ListAsync(0, 10, default)).Items;
        Assert.Equal(["x@remote.example", "y@remote.example"], entries.Single(e => e.Domain == "remote.example").Recipients);
        Assert.Equal(raw, await queue.GetMessageAsync(entries[0].MessageId, default));
        await queue.CompleteAsync(entries[0].Id, null, default);
        await queue.CompleteAsync(entries[1].Id, null, default);
        Assert.Equal(0, await queue.CountAsync(default));
    }

    [Fact]
    public async Task QuotaIsEnforcedOnAppend()
    {
        var small = await _store.CreateAccountAsync("small@local.example", quota: 600);
        var inbox = await _store.Messages.GetSpecialFolderAsync(small.Id, SpecialFolder.Inbox, default);
        await _store.Messages.AppendAsync(small.Id, inbox.Id, TestMessages.Simple(), MessageFlags.None);

        await Assert.ThrowsAsync<QuotaExceededException>(() => _store.Messages.AppendAsync(small.Id, inbox.Id, TestMessages.OfSize(2000), MessageFlags.None));
        Assert.Equal(1, (await _store.Messages.GetFolderAsync(small.Id, inbox.Id, default))!.MessageCount);
    }

    [Theory]
    [InlineData(Pop3DeletePolicy.Delete)]
    [InlineData(Pop3DeletePolicy.Trash)]
    [InlineData(Pop3DeletePolicy.Keep)]
    public async Task Pop3UpdateAppliesTheDeletePolicyInOneStep(Pop3DeletePolicy policy)
    {
        var a = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);
        var b = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(), MessageFlags.None);
        var drop = await _store.Messages.GetMaildropAsync(_user.Id, default);
        Assert.Equal([a.Id, b.Id], drop.Select(d => d.Id));

        await _store.Messages.CommitPop3UpdateAsync(_user.Id, [a.Id], [b.Id], policy, default);

        var inbox = await _store.Messages.GetMaildropAsync(_user.Id, default);
        var trash = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Trash, default);
        var seenB = await _store.Messages.GetSummaryAsync(_user.Id, b.Id, default);
        Assert.True(seenB!.IsSeen);
        switch (policy)
        {
            case Pop3DeletePolicy.Delete:
                Assert.Equal([b.Id], inbox.Select(d => d.Id));
                Assert.Null(await _store.Messages.GetSummaryAsync(_user.Id, a.Id, default));
                break;
            case Pop3DeletePolicy.Trash:
                Assert.Equal([b.Id], inbox.Select(d => d.Id));
                Assert.Equal(trash.Id, (await _store.Messages.GetSummaryAsync(_user.Id, a.Id, default))!.FolderId);
                break;
            case Pop3DeletePolicy.Keep:
                Assert.Equal([a.Id, b.Id], inbox.Select(d => d.Id));
                Assert.True((await _store.Messages.GetSummaryAsync(_user.Id, a.Id, default))!.IsSeen);
                break;
        }
    }

    [Fact]
    public async Task UserFoldersCanBeCreatedNestedRenamedAndDeletedButStandardOnesCannot()
    {
        var parent = await _store.Messages.CreateFolderAsync(_user.Id, "Projects", null, default);
        var child = await _store.Messages.CreateFolderAsync(_user.Id, "Webmail", parent.Id, default);
        await _store.Messages.AppendAsync(_user.Id, child.Id, TestMessages.Simple(), MessageFlags.None);

        await Assert.ThrowsAsync<StoreException>(() => _store.Messages.CreateFolderAsync(_user.Id, "projects", null, default));
        await _store.Messages.RenameFolderAsync(_user.Id, child.Id, "Mail", default);
        Assert.Equal("Mail", (await _store.Messages.GetFolderAsync(_user.Id, child.Id, default))!.Name);
        await Assert.ThrowsAsync<StoreException>(() => _store.Messages.RenameFolderAsync(_user.Id, _inbox.Id, "Box", default));
        await Assert.ThrowsAsync<StoreException>(() => _store.Messages.DeleteFolderAsync(_user.Id, _inbox.Id, default));

        await _store.Messages.DeleteFolderAsync(_user.Id, parent.Id, default);

        Assert.Null(await _store.Messages.GetFolderAsync(_user.Id, child.Id, default));
        Assert.Equal(0, (await _store.Directory.GetAccountAsync(_user.Id, default))!.MessageCount);
    }

    [Fact]
    public async Task RepliesJoinTheirConversation()
    {
        var first = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Plans", messageId: "root@x.example"), MessageFlags.None);
        var reply = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Something else", extraHeaders: "In-Reply-To: <root@x.example>\r\nReferences: <root@x.example>\r\n"), MessageFlags.None);
        var bySubject = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Re: Plans"), MessageFlags.None);
        var unrelated = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: "Other"), MessageFlags.None);

        var key = (await _store.Messages.GetSummaryAsync(_user.Id, first.Id, default))!.ThreadKey;
        var thread = await _store.Messages.GetThreadAsync(_user.Id, key, default);

        Assert.Equal([first.Id, reply.Id, bySubject.Id], thread.Select(m => m.Id));
        Assert.DoesNotContain(unrelated.Id, thread.Select(m => m.Id));
    }

    [Fact]
    public async Task DeliveriesArrivingAtOnceKeepTheQuotaTheCountersAndEachOnesOwnFailure()
    {
        // Twelve deliveries at once (on PostgreSQL the node writes those that wait in one transaction): an account
        // with room for exactly four of them, one with room for all, and one delivery to an account that does not exist.
        var raw = TestMessages.OfSize(2048);
        var tight = await _store.CreateAccountAsync("tight@local.example", quota: 4 * raw.Length + raw.Length / 2);
        var roomy = await _store.CreateAccountAsync("roomy@local.example");
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        Task<DeliveryReceipt> Deliver(long account) => Task.Run(() => _store.Messages.DeliverAsync(
            new DeliveryRequest(raw, [new MailboxDelivery(account, SpecialFolder.Inbox, Counts: MailEventKind.Received)]), default));

        var toTight = Enumerable.Range(0, 6).Select(_ => Deliver(tight.Id)).ToList();
        var toRoomy = Enumerable.Range(0, 5).Select(_ => Deliver(roomy.Id)).ToList();
        var toNobody = Deliver(long.MaxValue);

        await Assert.ThrowsAnyAsync<StoreException>(() => toNobody);
        var tightResults = (await Task.WhenAll(toTight)).Select(r => r.Mailboxes.Single()).ToList();
        var roomyResults = (await Task.WhenAll(toRoomy)).Select(r => r.Mailboxes.Single()).ToList();
        Assert.Equal(4, tightResults.Count(r => r.Message is not null));
        Assert.Equal(2, tightResults.Count(r => r.QuotaExceeded && r.Message is null));
        Assert.All(roomyResults, r => Assert.NotNull(r.Message));
        // UIDs of each INBOX are unique and without gaps, and the accounts' counters match what was stored.
        foreach (var (account, stored) in new[] { (tight, 4), (roomy, 5) })
        {
            var inbox = await _store.Messages.GetSpecialFolderAsync(account.Id, SpecialFolder.Inbox, default);
            var uids = (await _store.Messages.ListAsync(account.Id, inbox.Id, 0, 50, MessageSort.DateDescending, default)).Items.Select(m => m.Uid).Order();
            Assert.Equal(Enumerable.Range(1, stored).Select(i => (long)i), uids);
            var after = (await _store.Directory.GetAccountAsync(account.Id, default))!;
            Assert.Equal(stored, after.MessageCount);
            Assert.Equal(stored * raw.LongLength, after.UsedBytes);
        }
        var received = (await _store.Services.GetRequiredService<IServerStateStore>().GetMailEventsAsync(since, TimeSpan.FromDays(1), default)).Where(e => e.Kind == MailEventKind.Received).Sum(e => e.Count);
        Assert.Equal(9, received);
    }

    [Fact]
    public async Task AReplyJoinsTheConversationOfItsNearestKnownReference()
    {
        var a = await AppendToInboxAsync("Alpha", messageId: "a@x.example");
        var b = await AppendToInboxAsync("Beta", messageId: "b@x.example");
        // In-Reply-To is tried first, then References from the newest back (ConversationKey.References).
        var toB = await AppendToInboxAsync("Gamma", headers: "In-Reply-To: <b@x.example>\r\nReferences: <a@x.example> <b@x.example>\r\n");
        // A reference the account does not hold is passed over for the next one.
        var toA = await AppendToInboxAsync("Delta", headers: "In-Reply-To: <gone@x.example>\r\nReferences: <a@x.example> <gone@x.example>\r\n");

        Assert.Equal(await ThreadKeyAsync(b.Id), await ThreadKeyAsync(toB.Id));
        Assert.Equal(await ThreadKeyAsync(a.Id), await ThreadKeyAsync(toA.Id));
        Assert.NotEqual(await ThreadKeyAsync(a.Id), await ThreadKeyAsync(b.Id));
    }

    [Fact]
    public async Task AMessageWithoutKnownReferencesJoinsTheNewestConversationWithItsSubject()
    {
        var older = await AppendToInboxAsync("Weekly report", messageId: "w1@x.example");
        var root = await AppendToInboxAsync("Unrelated", messageId: "r@x.example");
        // Same subject, but its reference puts it in the other conversation: the newest "weekly report" is there.
        var newer = await AppendToInboxAsync("Weekly report", headers: "In-Reply-To: <r@x.example>\r\n");
        var next = await AppendToInboxAsync("Re: [team] Weekly report");

        Assert.Equal(await ThreadKeyAsync(root.Id), await ThreadKeyAsync(newer.Id));
        Assert.Equal(await ThreadKeyAsync(newer.Id), await ThreadKeyAsync(next.Id));
        Assert.NotEqual(await ThreadKeyAsync(older.Id), await ThreadKeyAsync(next.Id));
    }

    private Task<StoredMessage> AppendToInboxAsync(string subject, string? messageId = null, string? headers = null) =>
        _store.Messages.AppendAsync(_user.Id, _inbox.Id, TestMessages.Simple(subject: subject, messageId: messageId, extraHeaders: headers), MessageFlags.None);

    private async Task<string> ThreadKeyAsync(long messageId) => (await _store.Messages.GetSummaryAsync(_user.Id, messageId, default))!.ThreadKey;

    [Fact]
    public async Task MalformedMimeIsStoredAndStaysRetrievable()
    {
        var raw = Encoding.ASCII.GetBytes("Content-Type: multipart/mixed; boundary=\"x\"\r\nSubject: =?bogus?Q?broken?=\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nunterminated part");
        var stored = await _store.Messages.AppendAsync(_user.Id, _inbox.Id, raw, MessageFlags.None);
        Assert.Equal(raw, await _store.Messages.GetRawAsync(_user.Id, stored.Id, default));
    }
}

public sealed class MessageStoreTestsOnSqlite() : MessageStoreTests(StoreProvider.Sqlite);

public sealed class MessageStoreTestsOnPostgres() : MessageStoreTests(StoreProvider.Postgres);
