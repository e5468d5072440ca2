using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Reading;
using Webmail.Settings;
using Webmail.Testing;

namespace Webmail.Web.Tests;

/// <summary>Triage (issue 25): what follows a move, the pane's place in the list, ranges, undo by key, search scope and highlights, the user's zone.</summary>
public sealed partial class MailboxStateTests
{
    /// <summary>A fresh state for the account after its settings were changed (the state reads them when it starts).</summary>
    private async Task<MailboxState> RestartWithAsync(Func<AccountSettings, AccountSettings> change)
    {
        var settings = await _store.Directory.GetSettingsAsync(_account.Id, default);
        await _store.DirectoryService.SaveSettingsAsync(_account.Id, change(settings), default);
        _state = new MailboxState(_store.Messages, _store.Messages, _store.Directory, new UserPreferences(_store.DirectoryService), _navigation);
        await _state.StartAsync(_account.Id, _page, default);
        return _state;
    }

    private async Task<long> AppendAsync(SpecialFolder folder, string subject, string to = "state@local.example", MessageFlags flags = MessageFlags.Seen, DateTimeOffset? arrived = null)
    {
        var target = await SpecialAsync(folder);
        return (await _store.Messages.AppendAsync(_account.Id, target.Id, TestMessages.Simple(to: to, subject: subject), flags, arrived)).Id;
    }

    [Fact]
    public async Task ArchivingTheOpenMessageOpensTheNextOneAndZPutsItBack()
    {
        var oldest = await DeliverAsync("Oldest");
        var middle = await DeliverAsync("Middle");
        await DeliverAsync("Newest");
        await _state.ShowAsync(_inbox.Id, middle);
        Assert.Equal((2L, 3L, false), _state.OpenPosition);

        await _state.MoveToSpecialAsync(_state.OpenTargets(), SpecialFolder.Archive);

        Assert.EndsWith($"/folder/{_inbox.Id}/message/{oldest}", _navigation.Uri, StringComparison.Ordinal);
        await FollowNavigationAsync();
        Assert.Equal(oldest, _state.OpenSummary!.Id);
        Assert.Equal((2L, 2L, false), _state.OpenPosition);

        Assert.True(await _state.UndoLastAsync());
        Assert.Equal(_inbox.Id, await FolderOfAsync(middle));
        Assert.Null(_state.LastUndo);
        Assert.False(await _state.UndoLastAsync());
    }

    [Fact]
    public async Task DeletingTheLastMessageOpensTheOneAboveAndTheSettingCanSayPreviousOrList()
    {
        var oldest = await DeliverAsync("Oldest");
        var middle = await DeliverAsync("Middle");
        var newest = await DeliverAsync("Newest");
        await _state.ShowAsync(_inbox.Id, oldest);

        await _state.DeleteAsync(_state.OpenTargets());

        // Nothing below the last row: the one above it.
        Assert.EndsWith($"/message/{middle}", _navigation.Uri, StringComparison.Ordinal);

        await RestartWithAsync(s => s with { AfterMove = "previous" });
        await _state.ShowAsync(_inbox.Id, middle);
        await _state.DeleteAsync(_state.OpenTargets());
        Assert.EndsWith($"/message/{newest}", _navigation.Uri, StringComparison.Ordinal);

        await RestartWithAsync(s => s with { AfterMove = "list" });
        await _state.ShowAsync(_inbox.Id, newest);
        await _state.MoveToSpecialAsync(_state.OpenTargets(), SpecialFolder.Junk);
        Assert.EndsWith($"/folder/{_inbox.Id}", _navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextAndPreviousCrossAPageBoundary()
    {
        await RestartWithAsync(s => s with { GroupByConversation = false });
        for (var i = 1; i <= MailboxState.PageSize + 1; i++)
            await AppendAsync(SpecialFolder.Inbox, $"Message {i}", arrived: DateTimeOffset.UtcNow.AddMinutes(i));
        await _state.ShowAsync(null, null);
        var last = _state.Rows[^1];
        await _state.ShowAsync(_inbox.Id, last.Id);
        Assert.Equal((50L, 51L, false), _state.OpenPosition);

        Assert.True(await _state.OpenAdjacentAsync(1));

        Assert.Equal(1, _state.PageIndex);
        var first = Assert.Single(_state.Rows);
        Assert.Equal("Message 1", first.Subject);
        Assert.EndsWith($"/message/{first.Id}", _navigation.Uri, StringComparison.Ordinal);
        await FollowNavigationAsync();
        Assert.Equal((51L, 51L, false), _state.OpenPosition);
        Assert.False(await _state.OpenAdjacentAsync(1));
        Assert.True(await _state.OpenAdjacentAsync(-1));
        Assert.Equal(0, _state.PageIndex);
        Assert.EndsWith($"/message/{last.Id}", _navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShiftClickSelectsEveryRowBetweenTheLastClickAndThisOne()
    {
        for (var i = 1; i <= 6; i++)
            await DeliverAsync($"Row {i}");
        await _state.ShowAsync(null, null);
        var rows = _state.Rows;

        _state.SelectRow(rows[1], selected: true, extend: false);
        _state.SelectRow(rows[4], selected: true, extend: true);

        Assert.Equal(rows.Skip(1).Take(4).Select(r => r.Id).ToHashSet(), _state.Selected.ToHashSet());

        // Shift-clicking a selected row clears the range back to the last click.
        _state.SelectRow(rows[2], selected: false, extend: true);
        Assert.Equal(new HashSet<long> { rows[1].Id }, _state.Selected.ToHashSet());
    }

    [Fact]
    public async Task SearchCoversAllFoldersHighlightsAndInNamesAFolder()
    {
        await DeliverAsync("Invoice 7 for November", "Please pay the invoice.");
        await AppendAsync(SpecialFolder.Archive, "Invoice 6 for October");
        await _state.ShowAsync(null, null);

        _state.SearchText = "invo";
        await _state.SearchAsync();

        Assert.Null(_state.ActiveSearch!.FolderId);
        Assert.Equal(["Invoice 6 for October", "Invoice 7 for November"], Subjects(_state).Order());
        var archived = _state.Rows.Single(r => r.Subject.StartsWith("Invoice 6", StringComparison.Ordinal));
        Assert.Equal("Archive", _state.FolderNameOf(archived));
        Assert.Equal(["Invoice"], _state.Marks[archived.Id].Subject.Where(r => r.Match).Select(r => r.Text));

        _state.SearchText = "invoice in:archive";
        await _state.SearchAsync();
        Assert.Equal(["Invoice 6 for October"], Subjects(_state));

        _state.SearchText = "invoice in:Nowhere";
        await _state.SearchAsync();
        Assert.Empty(_state.Rows);

        await _state.SearchWithAsync(new SearchFilters { Subject = "for October", Folder = "Archive", UnreadOnly = false });
        Assert.Equal("subject:\"for October\" in:Archive ", _state.SearchText);
        Assert.Equal(["Invoice 6 for October"], Subjects(_state));
    }

    [Fact]
    public async Task SentAndDraftsRowsNameTheRecipients()
    {
        var sent = await AppendAsync(SpecialFolder.Sent, "Plans", to: "Carol Jones <carol@remote.example>, dave@remote.example");
        var draft = await AppendAsync(SpecialFolder.Drafts, "Unfinished", to: "Erin <erin@remote.example>", flags: MessageFlags.Seen | MessageFlags.Draft);
        var received = await DeliverAsync("Hello");
        await _state.ShowAsync(null, null);

        var summaries = await Task.WhenAll(new[] { sent, draft, received }.Select(id => _store.Messages.GetSummaryAsync(_account.Id, id, default)));

        Assert.Equal("To: Carol Jones, dave@remote.example", _state.RowPeople(summaries[0]!));
        Assert.Equal("To: Erin", _state.RowPeople(summaries[1]!));
        Assert.True(_state.IsDraft(summaries[1]!));
        Assert.Equal("sender@remote.example", _state.RowPeople(summaries[2]!));
        Assert.False(_state.IsDraft(summaries[2]!));
    }

    [Fact]
    public async Task TimesAreShownInTheBrowsersZoneUnlessSettingsChooseOne()
    {
        var instant = new DateTimeOffset(2026, 3, 10, 23, 30, 0, TimeSpan.Zero);
        Assert.Equal(TimeZoneInfo.Utc, _state.Zone);

        await RestartWithAsync(s => s with { BrowserTimeZone = "Asia/Tokyo" });
        Assert.Equal("Wed, 11 Mar 2026 08:30", _state.FullDate(instant));

        await RestartWithAsync(s => s with { TimeZone = "America/New_York" });
        Assert.Equal("Tue, 10 Mar 2026 19:30", _state.FullDate(instant));

        await Assert.ThrowsAsync<Webmail.Core.Accounts.DirectoryException>(() => RestartWithAsync(s => s with { TimeZone = "Mars/Olympus_Mons" }));
        await Assert.ThrowsAsync<Webmail.Core.Accounts.DirectoryException>(() => RestartWithAsync(s => s with { TimeZone = new string('A', 5000) }));
    }

    [Fact]
    public async Task AConversationOpensAtItsFirstUnreadMessageWithTheReadOnesFolded()
    {
        var first = (await _store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(to: _account.Address, subject: "Trip", messageId: "<t1@x>"), [new MailboxDelivery(_account.Id, SpecialFolder.Inbox, MessageFlags.Seen)]), default)).Mailboxes[0].Message!.Id;
        var second = (await _store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(to: _account.Address, subject: "Re: Trip", messageId: "<t2@x>", extraHeaders: "In-Reply-To: <t1@x>\r\nReferences: <t1@x>\r\n"), [new MailboxDelivery(_account.Id, SpecialFolder.Inbox, MessageFlags.None)]), default)).Mailboxes[0].Message!.Id;
        var third = (await _store.Messages.DeliverAsync(new DeliveryRequest(TestMessages.Simple(to: _account.Address, subject: "Re: Trip", messageId: "<t3@x>", extraHeaders: "In-Reply-To: <t2@x>\r\nReferences: <t1@x> <t2@x>\r\n"), [new MailboxDelivery(_account.Id, SpecialFolder.Inbox, MessageFlags.None)]), default)).Mailboxes[0].Message!.Id;
        await _state.ShowAsync(null, null);
        Assert.True(_state.Conversations); // the default
        var row = Assert.Single(_state.Rows);

        await _state.ShowAsync(_inbox.Id, row.Id);

        Assert.Equal([first, second, third], _state.OpenThread.Select(m => m.Summary.Id));
        Assert.Equal([false, true, true], _state.OpenThread.Select(m => m.Expanded));
        Assert.Equal(second, _state.FirstUnreadInThread);
    }
}
