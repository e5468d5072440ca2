using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Reading;
using Webmail.Settings;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>
/// The mailbox's state and rules without any rendering: a <see cref="MailboxState"/> over a real
/// SQLite store, driven the way the panes drive it, asserting its state and what reached the store.
/// </summary>
public sealed partial class MailboxStateTests : IAsyncLifetime
{
    private readonly TestStore _store = new();
    private readonly TestNavigation _navigation = new();
    private readonly RecordingPage _page = new();
    private Account _account = default!;
    private MailboxState _state = default!;
    private Folder _inbox = default!;

    public async Task InitializeAsync()
    {
        _account = await _store.CreateAccountAsync("state@local.example");
        _inbox = await _store.Messages.GetSpecialFolderAsync(_account.Id, SpecialFolder.Inbox, default);
        _state = new MailboxState(_store.Messages, _store.Messages, _store.Directory, new UserPreferences(_store.DirectoryService), _navigation);
        await _state.StartAsync(_account.Id, _page, default);
    }

    private async Task<long> DeliverAsync(string subject, string body = "Hello there.", MessageFlags flags = MessageFlags.None) =>
        (await _store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(to: _account.Address, subject: subject, body: body), [new MailboxDelivery(_account.Id, SpecialFolder.Inbox, flags)]), default))
        .Mailboxes[0].Message!.Id;

    private Task<Folder> SpecialAsync(SpecialFolder use) => _store.Messages.GetSpecialFolderAsync(_account.Id, use, default);

    private async Task<long> FolderOfAsync(long id) => (await _store.Messages.GetSummaryAsync(_account.Id, id, default))!.FolderId;

    /// <summary>What the router does after a navigation: hands the URL's folder and message to the state.</summary>
    private Task FollowNavigationAsync()
    {
        var match = RouteRegex().Match(new Uri(_navigation.Uri).AbsolutePath);
        return match.Success
            ? _state.ShowAsync(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Success ? long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : null)
            : _state.ShowAsync(null, null);
    }

    [GeneratedRegex(@"^/folder/(\d+)(?:/message/(\d+))?$")]
    private static partial Regex RouteRegex();

    private static IEnumerable<string> Subjects(MailboxState state) => state.Rows.Select(r => r.Subject);

    [Fact]
    public async Task ShowsTheInboxFirstAndSwitchesFolders()
    {
        await DeliverAsync("In the inbox");
        var projects = await _store.Messages.CreateFolderAsync(_account.Id, "Projects", null, default);
        var filed = await DeliverAsync("Filed away");
        await _store.Messages.MoveAsync(_account.Id, [filed], projects.Id, default);

        await _state.ShowAsync(null, null);

        Assert.Equal(_inbox.Id, _state.Current!.Id);
        Assert.Equal(MailboxLoad.Ready, _state.ListState);
        Assert.Equal(new[] { "In the inbox" }, Subjects(_state));
        Assert.Equal("Inbox", _state.Title);

        _state.SelectAll(true);
        await _state.ShowAsync(projects.Id, null);

        Assert.Equal(projects.Id, _state.Current!.Id);
        Assert.Equal(new[] { "Filed away" }, Subjects(_state));
        Assert.Empty(_state.Selected);
        Assert.Contains(_state.Folders, f => f.Name == "Projects");
    }

    [Fact]
    public async Task AnUnknownFolderFailsWithAReason()
    {
        await _state.ShowAsync(999_999, null);

        Assert.Null(_state.Current);
        Assert.Equal(MailboxLoad.Failed, _state.ListState);
        Assert.Contains("does not exist", _state.ListError!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagesThroughTheFolderFiftyAtATime()
    {
        await Task.WhenAll(Enumerable.Range(1, MailboxState.PageSize + 2).Select(i => DeliverAsync($"Message {i}")));
        await _state.ShowAsync(null, null);
        await _state.SetConversationsAsync(false);
        Assert.Equal(MailboxState.PageSize, _state.Messages!.Items.Count);
        Assert.Equal(MailboxState.PageSize + 2, _state.Messages.Total);
        _state.ToggleSelected(_state.Rows[0].Id, true);

        await _state.GoToPageAsync(1);

        Assert.Equal(1, _state.PageIndex);
        Assert.Equal(2, _state.Messages!.Items.Count);
        Assert.Empty(_state.Selected);

        await _state.GoToPageAsync(-5);

        Assert.Equal(0, _state.PageIndex);
        Assert.Equal(MailboxState.PageSize, _state.Messages!.Items.Count);
    }

    [Fact]
    public async Task SelectionDecidesWhatTheBulkActionsTarget()
    {
        var first = await DeliverAsync("First");
        var second = await DeliverAsync("Second");
        await _state.ShowAsync(null, second);
        Assert.Equal(new[] { second }, _state.Targets()); // nothing selected: the open message

        _state.SelectAll(true);
        Assert.Equal(new HashSet<long> { first, second }, _state.Targets().ToHashSet());

        _state.ToggleSelected(second, false);
        Assert.Equal(new[] { first }, _state.Targets());

        _state.SelectAll(false);
        Assert.Empty(_state.Selected);
    }

    [Fact]
    public async Task SearchFindsWordsInTheFolderAndClearingReturnsToIt()
    {
        await DeliverAsync("Invoice for November", "Please pay the invoice.");
        await DeliverAsync("Lunch", "Pizza on Friday?");
        await _state.ShowAsync(null, null);

        Assert.True(_state.SearchAllFolders); // the default
        _state.SearchText = "invoice";
        _state.SearchAllFolders = false;
        await _state.SearchAsync();

        Assert.NotNull(_state.ActiveSearch);
        Assert.Equal(_inbox.Id, _state.ActiveSearch!.FolderId);
        Assert.Equal("Search results", _state.Title);
        Assert.Equal(new[] { "Invoice for November" }, Subjects(_state));
        Assert.False(_state.Conversations); // search results are never grouped

        await _state.ClearSearchAsync();

        Assert.Null(_state.ActiveSearch);
        Assert.Equal("", _state.SearchText);
        Assert.Equal(2, _state.Rows.Count);
    }

    [Fact]
    public async Task ASearchOfAllFoldersOutlivesAFolderSwitchAndAFolderSearchDoesNot()
    {
        await DeliverAsync("Invoice for November", "Please pay the invoice.");
        var sent = await SpecialAsync(SpecialFolder.Sent);
        await _state.ShowAsync(null, null);

        _state.SearchText = "invoice";
        _state.SearchAllFolders = true;
        await _state.SearchAsync();
        await _state.ShowAsync(sent.Id, null);

        Assert.Null(_state.ActiveSearch!.FolderId);
        Assert.Equal(new[] { "Invoice for November" }, Subjects(_state));

        _state.SearchAllFolders = false;
        await _state.SearchAsync();
        Assert.Empty(_state.Rows);
        await _state.ShowAsync(_inbox.Id, null);

        Assert.Null(_state.ActiveSearch);
        Assert.Equal(new[] { "Invoice for November" }, Subjects(_state));
    }

    [Fact]
    public async Task OpeningAMessageReadsItAndMarksItSeenAndClosingGoesBackToTheFolder()
    {
        var id = await DeliverAsync("Read me", "The body text.");
        await _state.ShowAsync(_inbox.Id, id);

        Assert.Equal(MailboxLoad.Ready, _state.ReadState);
        Assert.Equal(id, _state.OpenSummary!.Id);
        Assert.Equal(id, _state.MessageId);
        Assert.Contains("The body text.", _state.OpenContent!.TextBody!, StringComparison.Ordinal);
        Assert.True(_state.OpenSummary.IsSeen);
        Assert.True((await _store.Messages.GetSummaryAsync(_account.Id, id, default))!.IsSeen);

        _state.CloseMessage();
        Assert.EndsWith($"/folder/{_inbox.Id}", _navigation.Uri, StringComparison.Ordinal);
        await FollowNavigationAsync();

        Assert.Null(_state.OpenSummary);
        Assert.Null(_state.MessageId);
    }

    [Fact]
    public async Task OpeningAnUnknownMessageFails()
    {
        await _state.ShowAsync(null, 999_999);

        Assert.Equal(MailboxLoad.Failed, _state.ReadState);
        Assert.Null(_state.OpenSummary);
    }

    [Fact]
    public async Task OpeningLeavesTheMessageUnreadWhenTheSettingIsOff()
    {
        var id = await DeliverAsync("Stay unread");
        var settings = await _store.Directory.GetSettingsAsync(_account.Id, default);
        await _store.DirectoryService.SaveSettingsAsync(_account.Id, settings with { MarkSeenOnOpen = false }, default);
        _state = new MailboxState(_store.Messages, _store.Messages, _store.Directory, new UserPreferences(_store.DirectoryService), _navigation);
        await _state.StartAsync(_account.Id, _page, default);

        await _state.ShowAsync(null, id);

        Assert.False(_state.OpenSummary!.IsSeen);
        Assert.False((await _store.Messages.GetSummaryAsync(_account.Id, id, default))!.IsSeen);
    }

    [Fact]
    public async Task MarkAsReadAndUnreadReachTheStoreAndTheCounts()
    {
        var id = await DeliverAsync("Counted");
        await _state.ShowAsync(null, null);
        await _state.SetConversationsAsync(false);
        Assert.Equal(1, _state.Current!.UnreadCount);

        await _state.SetFlagAsync([id], MessageFlags.Seen, set: true);

        Assert.True((await _store.Messages.GetSummaryAsync(_account.Id, id, default))!.IsSeen);
        Assert.Equal(0, _state.Current!.UnreadCount);
        Assert.True(_state.Messages!.Items.Single().IsSeen);
        Assert.True(_page.Renders > 0);

        await _state.ShowAsync(_inbox.Id, id);
        await _state.MarkUnreadAndCloseAsync(_state.OpenTargets());

        Assert.False((await _store.Messages.GetSummaryAsync(_account.Id, id, default))!.IsSeen);
        Assert.Equal(1, _state.Current!.UnreadCount);
        Assert.EndsWith($"/folder/{_inbox.Id}", _navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MoveClosesTheOpenMessageAndUndoPutsItBack()
    {
        var id = await DeliverAsync("Keep for later");
        var archive = await SpecialAsync(SpecialFolder.Archive);
        await _state.ShowAsync(_inbox.Id, id);

        await _state.MoveToSpecialAsync(_state.OpenTargets(), SpecialFolder.Archive);

        Assert.Equal(archive.Id, await FolderOfAsync(id));
        var notice = Assert.Single(_page.Notices);
        Assert.Equal("1 message moved to Archive.", notice.Text);
        Assert.NotNull(notice.Undo);
        Assert.EndsWith($"/folder/{_inbox.Id}", _navigation.Uri, StringComparison.Ordinal);
        Assert.Empty(_state.Rows);

        await _state.UndoAsync(notice.Undo!);

        Assert.Equal(_inbox.Id, await FolderOfAsync(id));
        Assert.Equal("Undone.", _page.Notices[^1].Text);
        Assert.Equal(new[] { "Keep for later" }, Subjects(_state));
    }

    [Fact]
    public async Task MoveOfTheSelectionToAUserFolderRemembersEachOrigin()
    {
        var fromInbox = await DeliverAsync("From the inbox");
        var projects = await _store.Messages.CreateFolderAsync(_account.Id, "Projects", null, default);
        var elsewhere = await _store.Messages.CreateFolderAsync(_account.Id, "Elsewhere", null, default);
        var fromElsewhere = await DeliverAsync("From elsewhere");
        await _store.Messages.MoveAsync(_account.Id, [fromElsewhere], elsewhere.Id, default);
        await _state.ShowAsync(null, null);

        await _state.MoveAsync([fromInbox, fromElsewhere], projects);

        Assert.Equal(projects.Id, await FolderOfAsync(fromInbox));
        Assert.Equal(projects.Id, await FolderOfAsync(fromElsewhere));
        Assert.Equal("2 messages moved to Projects.", _page.Notices[^1].Text);

        await _state.UndoAsync(_page.Notices[^1].Undo!);

        Assert.Equal(_inbox.Id, await FolderOfAsync(fromInbox));
        Assert.Equal(elsewhere.Id, await FolderOfAsync(fromElsewhere));
    }

    [Fact]
    public async Task DeleteMovesToTrashWithUndoWithoutAsking()
    {
        var id = await DeliverAsync("Unwanted");
        var trash = await SpecialAsync(SpecialFolder.Trash);
        await _state.ShowAsync(null, null);
        _state.ToggleSelected(id, true);

        Assert.False(_state.DeleteIsPermanent);
        await _state.DeleteAsync(_state.Targets());

        Assert.Empty(_page.Questions);
        Assert.Equal(trash.Id, await FolderOfAsync(id));
        Assert.Empty(_state.Selected);
        var notice = Assert.Single(_page.Notices);
        Assert.Equal("1 message moved to Trash.", notice.Text);

        await _state.UndoAsync(notice.Undo!);

        Assert.Equal(_inbox.Id, await FolderOfAsync(id));
    }

    [Fact]
    public async Task DeleteInTrashAsksAndDeletesForGoodOnlyWhenConfirmed()
    {
        var id = await DeliverAsync("Really unwanted");
        var trash = await SpecialAsync(SpecialFolder.Trash);
        await _store.Messages.MoveAsync(_account.Id, [id], trash.Id, default);
        await _state.ShowAsync(trash.Id, null);
        Assert.True(_state.DeleteIsPermanent);

        _page.Answer = false;
        await _state.DeleteAsync([id]);

        Assert.Equal("Delete forever?", Assert.Single(_page.Questions).Title);
        Assert.NotNull(await _store.Messages.GetSummaryAsync(_account.Id, id, default));

        _page.Answer = true;
        await _state.DeleteAsync([id]);

        Assert.Null(await _store.Messages.GetSummaryAsync(_account.Id, id, default));
        Assert.Equal("1 message deleted.", _page.Notices[^1].Text);
        Assert.Null(_page.Notices[^1].Undo);
        Assert.Empty(_state.Rows);
    }

    [Fact]
    public async Task WithoutAPageNothingIrreversibleHappens()
    {
        var id = await DeliverAsync("Safe");
        var trash = await SpecialAsync(SpecialFolder.Trash);
        await _store.Messages.MoveAsync(_account.Id, [id], trash.Id, default);
        await _state.ShowAsync(trash.Id, null);

        _state.Stop(_page);
        await _state.DeleteAsync([id]);
        await _state.EmptyCurrentFolderAsync();

        Assert.NotNull(await _store.Messages.GetSummaryAsync(_account.Id, id, default));
    }

    [Fact]
    public async Task TheKeyboardCursorWalksTheRowsAndPicksWhatHashDeletes()
    {
        var older = await DeliverAsync("Older");
        var newer = await DeliverAsync("Newer");
        await _state.ShowAsync(null, null);
        Assert.Empty(_state.KeyboardTargets());
        Assert.False(_state.OpenCursor());

        Assert.Equal(newer, _state.MoveCursor(1));
        Assert.Equal(older, _state.MoveCursor(1));
        Assert.Equal(older, _state.MoveCursor(1));
        Assert.Equal(new[] { older }, _state.KeyboardTargets());

        Assert.True(_state.Answer("forward"));
        Assert.Equal((older, Webmail.Compose.ComposeMode.Forward), _state.Answering);
        Assert.EndsWith($"/message/{older}", _navigation.Uri, StringComparison.Ordinal);
        Assert.True(_state.OpenCursor());
        Assert.EndsWith($"/message/{older}", _navigation.Uri, StringComparison.Ordinal);

        // With a message open, moving the cursor opens the message it lands on.
        await FollowNavigationAsync();
        Assert.Equal(newer, _state.MoveCursor(-1));
        Assert.EndsWith($"/message/{newer}", _navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartingAgainForgetsThePreviousPage()
    {
        await DeliverAsync("Anything", "findable words");
        await _state.ShowAsync(null, null);
        _state.SearchText = "findable";
        await _state.SearchAsync();
        await _state.ChangeSortAsync(MessageSort.SubjectAscending);
        _state.SelectAll(true);

        await _state.StartAsync(_account.Id, _page, default);

        Assert.Null(_state.ActiveSearch);
        Assert.Equal("", _state.SearchText);
        Assert.Equal(MessageSort.DateDescending, _state.Sort);
        Assert.Empty(_state.Selected);
        Assert.Null(_state.Current);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    /// <summary>The page's side, recorded: what the state asked and told, and how often it asked to be rendered.</summary>
    private sealed class RecordingPage : IMailboxPage
    {
        public List<Confirmation> Questions { get; } = [];
        public List<MailboxNotice> Notices { get; } = [];
        public bool Answer { get; set; } = true;
        public int Renders { get; private set; }

        public Task<bool> ConfirmAsync(Confirmation question)
        {
            Questions.Add(question);
            return Task.FromResult(Answer);
        }

        public void Show(MailboxNotice notice) => Notices.Add(notice);

        public void StateChanged() => Renders++;
    }

    /// <summary>A navigation manager outside a circuit: it only remembers where it was sent.</summary>
    private sealed class TestNavigation : NavigationManager
    {
        public TestNavigation() => Initialize("http://127.0.0.1/", "http://127.0.0.1/");

        protected override void NavigateToCore(string uri, NavigationOptions options) => Uri = ToAbsoluteUri(uri).ToString();
    }
}
