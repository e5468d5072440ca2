using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Testing;

namespace Webmail.Storage.Tests;

/// <summary>
/// The keywords the store sets on a user's behalf: the junk verdict of a web UI move and
/// <c>$Forwarded</c> with a Send, each in the commit of the action itself.
/// </summary>
public abstract class KeywordTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly TestStore _store = new(provider);
    private Account _user = null!;
    private Folder _inbox = null!;
    private Folder _junk = null!;
    private Folder _trash = null!;

    private IImapStore Imap => _store.Messages;

    public async Task InitializeAsync()
    {
        _user = await _store.CreateAccountAsync("user@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Inbox, default);
        _junk = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Junk, default);
        _trash = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Trash, default);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<long> AppendAsync(Folder folder, params string[] keywords) =>
        (await Imap.AppendAsync(_user.Id, folder.Id, TestMessages.Simple(subject: "kw"), MessageFlags.None, keywords, null, default)).Id;

    private async Task<IReadOnlyList<string>> KeywordsOfAsync(long id) =>
        (await _store.Messages.GetSummaryAsync(_user.Id, id, default))!.KeywordList;

    [Fact]
    public async Task SummariesCarryTheKeywordsInEveryList()
    {
        var id = await AppendAsync(_inbox, "$Forwarded", "ProjectX");

        var listed = Assert.Single((await _store.Messages.ListAsync(_user.Id, _inbox.Id, 0, 10, MessageSort.DateDescending, default)).Items);
        var thread = Assert.Single((await _store.Messages.ListConversationsAsync(_user.Id, _inbox.Id, 0, 10, default)).Items);

        Assert.Equal(["$Forwarded", "ProjectX"], listed.KeywordList);
        Assert.True(listed.IsForwarded);
        Assert.Equal(id, thread.Latest.Id);
        Assert.Equal("$Forwarded ProjectX", thread.Latest.Keywords);
        Assert.Equal(1, thread.MessageCount);
    }

    [Fact]
    public async Task MoveIntoJunkSetsJunkAndRemovesNotJunk()
    {
        var id = await AppendAsync(_inbox, "$NotJunk", "ProjectX");

        await _store.Messages.MoveAsync(_user.Id, [id], _junk.Id, default);

        Assert.Equal(["ProjectX", "$Junk"], await KeywordsOfAsync(id));
    }

    [Fact]
    public async Task MoveOutOfJunkSetsNotJunkAndRemovesJunk()
    {
        var id = await AppendAsync(_junk, "$Junk");

        await _store.Messages.MoveAsync(_user.Id, [id], _inbox.Id, default);

        Assert.Equal(["$NotJunk"], await KeywordsOfAsync(id));
        Assert.Equal(_inbox.Id, (await _store.Messages.GetSummaryAsync(_user.Id, id, default))!.FolderId);
    }

    [Fact]
    public async Task DeletingFromJunkAndOtherMovesAreNoVerdict()
    {
        var spam = await AppendAsync(_junk, "$Junk");
        var plain = await AppendAsync(_inbox);

        await _store.Messages.MoveAsync(_user.Id, [spam, plain], _trash.Id, default);

        Assert.Equal(["$Junk"], await KeywordsOfAsync(spam));
        Assert.Empty(await KeywordsOfAsync(plain));
    }

    [Fact]
    public async Task AnImapMoveLeavesTheKeywordsToTheClient()
    {
        var id = await AppendAsync(_inbox);
        var uid = (await _store.Messages.GetSummaryAsync(_user.Id, id, default))!.Uid;

        await Imap.MoveAsync(_user.Id, _inbox.Id, [uid], _junk.Id, default);

        Assert.Empty(await KeywordsOfAsync(id));
    }

    [Fact]
    public async Task AMoveIsNotRefusedForAKeywordPastTheLimit()
    {
        var full = Enumerable.Range(0, Keywords.MaxPerMessage).Select(i => $"k{i}").ToArray();
        var id = await AppendAsync(_inbox, full);

        await _store.Messages.MoveAsync(_user.Id, [id], _junk.Id, default);

        Assert.Equal(_junk.Id, (await _store.Messages.GetSummaryAsync(_user.Id, id, default))!.FolderId);
        Assert.Equal(full, await KeywordsOfAsync(id));
    }

    private async Task<long> DeliverForwardAsync(long original) =>
        (await _store.Messages.DeliverAsync(new DeliveryRequest(
            TestMessages.Simple(from: "user@local.example", to: "user@local.example", subject: "Fwd: kw"),
            [new MailboxDelivery(_user.Id, SpecialFolder.Sent, MessageFlags.Seen)],
            SenderChanges: new SenderMailboxChanges(_user.Id, AddFlags: [new FlagAddition(original, MessageFlags.None, [WellKnownKeywords.Forwarded])])), default))
        .Mailboxes[0].Message!.Id;

    [Fact]
    public async Task ForwardedIsSetWithTheSend()
    {
        var original = await AppendAsync(_inbox, "ProjectX");

        await DeliverForwardAsync(original);

        Assert.Equal(["ProjectX", "$Forwarded"], await KeywordsOfAsync(original));
        Assert.Equal(MessageFlags.None, (await _store.Messages.GetSummaryAsync(_user.Id, original, default))!.Flags);
    }

    [Theory]
    [InlineData("sent copy")]
    [InlineData("forwarded keyword")]
    public async Task ForwardedAndTheSentCopyCommitTogetherOrNotAtAll(string failingPart)
    {
        var original = await AppendAsync(_inbox);
        var sent = await _store.Messages.GetSpecialFolderAsync(_user.Id, SpecialFolder.Sent, default);
        using var refusal = failingPart == "sent copy"
            ? RefusingTrigger.On(_store, "INSERT", "messages", $"NEW.folder_id = {sent.Id}")
            : RefusingTrigger.On(_store, "UPDATE", "messages", $"OLD.id = {original}");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => DeliverForwardAsync(original));

        Assert.Contains(RefusingTrigger.Reason, error.Message);
        Assert.Empty(await KeywordsOfAsync(original));
        Assert.Equal(0, (await _store.Messages.GetFolderAsync(_user.Id, sent.Id, default))!.MessageCount);
    }
}

public sealed class KeywordTestsOnSqlite() : KeywordTests(StoreProvider.Sqlite);

public sealed class KeywordTestsOnPostgres() : KeywordTests(StoreProvider.Postgres);
