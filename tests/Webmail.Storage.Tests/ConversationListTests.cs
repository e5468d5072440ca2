using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>The conversation list query: one row per thread of a folder, over a real SQLite file.</summary>
public abstract class ConversationListTests(StoreProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private protected readonly TestStore _store = new(provider);
    private Account _user = null!;
    private Folder _inbox = null!;

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("user@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<long> AppendAsync(Folder folder, int minute, string subject, string from = "sender@remote.example", string? id = null, string? replyTo = null, MessageFlags flags = MessageFlags.None)
    {
        var headers = replyTo is null ? null : $"In-Reply-To: <{replyTo}>\r\nReferences: <{replyTo}>\r\n";
        var raw = TestMessages.Simple(from: from, subject: subject, messageId: id, extraHeaders: headers);
        return (await _store.Messages.AppendAsync(_user.Id, folder.Id, raw, flags, Start.AddMinutes(minute))).Id;
    }

    [Fact]
    public async Task GroupsAFolderByThreadNewestThreadFirstWithCounts()
    {
        var root = await AppendAsync(_inbox, 0, "Plans", "Lucy <lucy@a.example>", id: "plans@x.example", flags: MessageFlags.Seen);
        var other = await AppendAsync(_inbox, 1, "Lunch?", "Betty <betty@b.example>", flags: MessageFlags.Flagged);
        var reply = await AppendAsync(_inbox, 2, "Re: Plans", "Betty <betty@b.example>", replyTo: "plans@x.example");
        var again = await AppendAsync(_inbox, 3, "Re: Plans", "Lucy <lucy@a.example>", replyTo: "plans@x.example");

        var page = await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 0, 50, default);

        Assert.Equal(2, page.Total);
        Assert.Equal(2, page.Items.Count);
        var plans = page.Items[0];
        Assert.Equal(again, plans.Latest.Id);
        Assert.Equal("Re: Plans", plans.Latest.Subject);
        Assert.Equal(3, plans.MessageCount);
        Assert.Equal(2, plans.UnreadCount);
        Assert.False(plans.IsFlagged);
        Assert.Equal([root, reply, again], plans.MessageIds);
        Assert.Equal(["Lucy", "Betty"], plans.Participants);
        var lunch = page.Items[1];
        Assert.Equal([other], lunch.MessageIds);
        Assert.Equal(1, lunch.MessageCount);
        Assert.True(lunch.IsFlagged);
        Assert.Equal(1, lunch.UnreadCount);
    }

    [Fact]
    public async Task CountsOnlyTheFoldersMessagesOfAThread()
    {
        var sent = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Sent, default);
        var root = await AppendAsync(_inbox, 0, "Question", id: "q@x.example");
        var answer = await AppendAsync(sent, 1, "Re: Question", from: "user@local.example", replyTo: "q@x.example");

        var inbox = await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 0, 50, default);
        var thread = await _store.Messages.GetThreadAsync(_user.Id, inbox.Items.Single().ThreadKey, default);

        Assert.Equal([root], inbox.Items.Single().MessageIds);
        Assert.Equal([root, answer], thread.Select(m => m.Id));
    }

    [Fact]
    public async Task PagesCountThreadsNotMessages()
    {
        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(_inbox, i * 2, $"Topic {i}", id: $"topic{i}@x.example");
            await AppendAsync(_inbox, i * 2 + 1, $"Re: Topic {i}", replyTo: $"topic{i}@x.example");
        }

        var first = await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 0, 2, default);
        var last = await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 2, 2, default);

        Assert.Equal(5, first.Total);
        Assert.Equal(["Re: Topic 4", "Re: Topic 3"], first.Items.Select(c => c.Latest.Subject));
        Assert.Equal(["Re: Topic 0"], last.Items.Select(c => c.Latest.Subject));
        Assert.All(first.Items.Concat(last.Items), c => Assert.Equal(2, c.MessageCount));
    }

    [Fact]
    public async Task APageFindsTheThreadsBehindALongOne()
    {
        // The page is found by reading the folder newest first: here 251 messages of one thread before the next
        // thread (past the PostgreSQL store's 200-row reads), and the two equal-dated messages of "Tied".
        await AppendAsync(_inbox, 0, "Old", id: "old@x.example");
        var tiedFirst = await AppendAsync(_inbox, 1, "Tied", id: "tied@x.example");
        var tiedLatest = await AppendAsync(_inbox, 1, "Re: Tied", replyTo: "tied@x.example");
        await AppendAsync(_inbox, 2, "Busy", id: "busy@x.example");
        for (var i = 0; i < 250; i++)
            await AppendAsync(_inbox, 3 + i, "Re: Busy", replyTo: "busy@x.example");

        var first = await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 0, 2, default);
        var second = await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 1, 2, default);
        var beyond = await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 2, 2, default);

        Assert.Equal(3, first.Total);
        Assert.Equal(["Re: Busy", "Re: Tied"], first.Items.Select(c => c.Latest.Subject));
        Assert.Equal(251, first.Items[0].MessageCount);
        // Of two messages with the same date, the later stored (the higher id) is the thread's latest.
        Assert.Equal(tiedLatest, first.Items[1].Latest.Id);
        Assert.Equal([tiedFirst, tiedLatest], first.Items[1].MessageIds);
        Assert.Equal(["Old"], second.Items.Select(c => c.Latest.Subject));
        Assert.Empty(beyond.Items);
        Assert.Equal(3, beyond.Total);
    }

    [Fact]
    public async Task AnotherAccountsFolderListsNothing()
    {
        await AppendAsync(_inbox, 0, "Private");
        var intruder = await _store.CreateAccountAsync("intruder@local.example");

        var page = await _store.Messages.ListConversationsAsync(intruder.Id, _inbox.Id, 0, 50, default);

        Assert.Empty(page.Items);
        Assert.Equal(0, page.Total);
    }
}

public sealed class ConversationListTestsOnSqlite() : ConversationListTests(StoreProvider.Sqlite)
{
    // SQLite-only: SQLite's query plan. A page reads the folder newest first from messages_folder_date until it has its
    // threads (no sort of the whole folder), then only those threads' members through messages_folder_thread.
    [Fact]
    public void APageReadsTheFolderNewestFirstAndOnlyItsThreads()
    {
        var newest = Plan(SqliteMessageStore.FolderNewestFirstSql, ("$f", 1));
        Assert.Contains(newest, step => step.Contains("INDEX messages_folder_date", StringComparison.Ordinal));
        Assert.DoesNotContain(newest, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));

        var page = Plan(SqliteMessageStore.ConversationPageSql, ("$f", 1), ("$a", 1), ("$page", "[[1,\"k\"]]"));
        Assert.True(page.Any(step => step.Contains("INDEX messages_folder_thread (folder_id=? AND thread_key=?)", StringComparison.Ordinal)), string.Join(" | ", page));
        Assert.DoesNotContain(page, step => step.StartsWith("SCAN x", StringComparison.Ordinal) || step.StartsWith("SCAN m", StringComparison.Ordinal));
    }

    private List<string> Plan(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = _store.Database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                plan.Add(reader.GetString(3));
        return plan;
    }
}

public sealed class ConversationListTestsOnPostgres() : ConversationListTests(StoreProvider.Postgres);
