using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Reading;

/// <summary>What the user can do to messages and folders: flags, move (with undo), delete to Trash (with undo), empty, folder management.</summary>
public sealed partial class MailboxState
{
    /// <summary>The selected messages, or the open one (conversation) when nothing is selected.</summary>
    public IReadOnlyList<long> Targets() => _selected.Count > 0 ? [.. _selected] : OpenTargets();

    /// <summary>Delete asks first: it deletes for good (in Trash, or when the account has no Trash).</summary>
    public bool DeleteIsPermanent =>
        Folders.FirstOrDefault(f => f.SpecialUse == SpecialFolder.Trash) is not { } trash || Current?.Id == trash.Id;

    public async Task SetFlagAsync(IReadOnlyList<long> ids, MessageFlags flag, bool set)
    {
        if (ids.Count == 0)
            return;
        await changes.SetFlagsAsync(_accountId, ids, flag, set, _closing);
        if (OpenSummary is { } open && ids.Contains(open.Id))
            OpenSummary = open with { Flags = set ? open.Flags | flag : open.Flags & ~flag };
        await RefreshAsync();
    }

    /// <summary>"Mark as unread" in the reading pane: the open message is unread again, and closed.</summary>
    public async Task MarkUnreadAndCloseAsync(IReadOnlyList<long> ids)
    {
        await SetFlagAsync(ids, MessageFlags.Seen, set: false);
        CloseMessage();
    }

    /// <summary>Archive: a move to the account's folder of that use (none: nothing happens).</summary>
    public Task MoveToSpecialAsync(IReadOnlyList<long> ids, SpecialFolder special) =>
        Folders.FirstOrDefault(f => f.SpecialUse == special) is { } target ? MoveAsync(ids, target) : Task.CompletedTask;

    /// <summary>Whether the message is in the account's Junk folder (the reading pane then explains why).</summary>
    public bool IsInJunk(MessageSummary message) =>
        Folders.FirstOrDefault(f => f.SpecialUse == SpecialFolder.Junk) is { } junk && message.FolderId == junk.Id;

    /// <summary>
    /// Whether the spam action offered for <paramref name="ids"/> is "Not spam": they are in Junk (the open message's
    /// folder, else the listed folder). Otherwise it is "Report spam".
    /// </summary>
    public bool OffersNotSpam(IReadOnlyList<long> ids)
    {
        var junk = Folders.FirstOrDefault(f => f.SpecialUse == SpecialFolder.Junk)?.Id;
        if (junk is null || ids.Count == 0)
            return false;
        var folder = OpenSummary is { } open && ids.Contains(open.Id) ? open.FolderId
            : Messages?.Items.FirstOrDefault(m => m.Id == ids[0])?.FolderId ?? Current?.Id;
        return folder == junk;
    }

    /// <summary>
    /// "Report spam" moves the messages to Junk; "Not spam" (for messages in Junk) moves them to the Inbox. The store
    /// tells the spam filter after the move commits (docs/webmail.md, Report spam), so Undo is a move like any other.
    /// </summary>
    public Task ReportSpamOrNotAsync(IReadOnlyList<long> ids)
    {
        var notSpam = OffersNotSpam(ids);
        var target = Folders.FirstOrDefault(f => f.SpecialUse == (notSpam ? SpecialFolder.Inbox : SpecialFolder.Junk));
        if (target is null)
            return Task.CompletedTask;
        return MoveAsync(ids, target, notSpam ? "marked as not spam and moved to Inbox" : "reported as spam and moved to Junk");
    }

    /// <summary>Moves messages and offers Undo, which puts each back in the folder it came from.</summary>
    public async Task MoveAsync(IReadOnlyList<long> ids, Folder target, string? verb = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (ids.Count == 0)
            return;
        var origins = new Dictionary<long, long>();
        foreach (var id in ids)
        {
            var folder = Messages?.Items.FirstOrDefault(m => m.Id == id)?.FolderId
                ?? (OpenSummary?.Id == id ? OpenSummary.FolderId : (await store.GetSummaryAsync(_accountId, id, _closing))?.FolderId);
            if (folder is { } f && f != target.Id)
                origins[id] = f;
        }
        if (origins.Count == 0)
            return;
        var following = FollowingOpen(origins.Keys);
        try
        {
            await changes.MoveAsync(_accountId, origins.Keys.ToList(), target.Id, _closing);
        }
        catch (StoreException e)
        {
            Tell(new MailboxNotice("The messages could not be moved: " + e.Message, MailboxNoticeKind.Failed));
            return;
        }
        _selected.ExceptWith(origins.Keys);
        LastUndo = new MoveUndo(origins);
        Tell(new MailboxNotice($"{Count(origins.Count)} {verb ?? "moved to " + target.Name}.", Undo: LastUndo));
        if (OpenSummary is { } open && origins.ContainsKey(open.Id))
            LeaveOpenMessage(following);
        await RefreshAsync();
    }

    /// <summary>Undo of a move: puts each message back in the folder it came from.</summary>
    public async Task UndoAsync(MoveUndo undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        if (ReferenceEquals(LastUndo, undo))
            LastUndo = null;
        foreach (var group in undo.Origins.GroupBy(o => o.Value))
            await changes.MoveAsync(_accountId, group.Select(g => g.Key).ToList(), group.Key, _closing);
        Tell(new MailboxNotice("Undone."));
        await RefreshAsync();
    }

    /// <summary>Delete moves to Trash (with Undo); in Trash it deletes for good once the user confirms.</summary>
    public async Task DeleteAsync(IReadOnlyList<long> ids)
    {
        if (ids.Count == 0)
            return;
        if (!DeleteIsPermanent)
        {
            await MoveAsync(ids, Folders.First(f => f.SpecialUse == SpecialFolder.Trash), "moved to Trash");
            return;
        }
        if (!await AskAsync(new Confirmation("Delete forever?", $"{Count(ids.Count)} will be deleted permanently. This cannot be undone.", "Delete forever")))
            return;
        var following = FollowingOpen(ids);
        await changes.DeleteAsync(_accountId, ids, _closing);
        _selected.ExceptWith(ids);
        if (OpenSummary is { } open && ids.Contains(open.Id))
            LeaveOpenMessage(following);
        Tell(new MailboxNotice($"{Count(ids.Count)} deleted."));
        await RefreshAsync();
    }

    /// <summary>"Empty Trash" / "Empty Junk", once the user confirms.</summary>
    public async Task EmptyCurrentFolderAsync()
    {
        if (Current is not { } folder)
            return;
        if (!await AskAsync(new Confirmation($"Empty {folder.Name}?", $"All {folder.MessageCount:N0} messages in {folder.Name} will be deleted permanently.", "Empty")))
            return;
        var removed = await changes.EmptyFolderAsync(_accountId, folder.Id, _closing);
        Tell(new MailboxNotice($"{Count(removed)} deleted."));
        _selected.Clear();
        await RefreshAsync();
    }

    /// <summary>A message row dropped on a folder: moves it, or the whole selection when the row was part of it.</summary>
    public async Task DropOnFolderAsync(Folder target)
    {
        if (DraggedMessageId is not { } id)
            return;
        DraggedMessageId = null;
        await MoveAsync(_selected.Contains(id) ? [.. _selected] : [id], target);
    }

    /// <summary>Creates a folder (top level, or inside <paramref name="parentId"/>) and goes to it.</summary>
    public async Task CreateFolderAsync(string name, long? parentId)
    {
        try
        {
            var folder = await changes.CreateFolderAsync(_accountId, name, parentId, _closing);
            await LoadFoldersAsync();
            navigation.NavigateTo(FolderUrl(folder.Id));
        }
        catch (StoreException e)
        {
            Tell(new MailboxNotice("The folder could not be created: " + e.Message, MailboxNoticeKind.Failed));
        }
        Changed();
    }

    public async Task RenameFolderAsync(Folder folder, string name)
    {
        ArgumentNullException.ThrowIfNull(folder);
        try
        {
            await changes.RenameFolderAsync(_accountId, folder.Id, name, _closing);
        }
        catch (StoreException e)
        {
            Tell(new MailboxNotice("The folder could not be renamed: " + e.Message, MailboxNoticeKind.Failed));
        }
        await LoadFoldersAsync();
        Changed();
    }

    /// <summary>Deletes a user folder with its subfolders and messages, once the user confirms; leaves it for the INBOX if it was shown.</summary>
    public async Task DeleteFolderAsync(Folder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!await AskAsync(new Confirmation($"Delete {folder.Name}?", $"The folder, its subfolders and the {folder.MessageCount:N0} messages in it will be deleted permanently.", "Delete folder")))
            return;
        try
        {
            await changes.DeleteFolderAsync(_accountId, folder.Id, _closing);
        }
        catch (StoreException e)
        {
            Tell(new MailboxNotice("The folder could not be deleted: " + e.Message, MailboxNoticeKind.Failed));
            return;
        }
        await LoadFoldersAsync();
        if (Current?.Id == folder.Id || Current?.ParentId == folder.Id)
            navigation.NavigateTo("/");
        Changed();
    }

    /// <summary>What the reading pane's actions apply to: the open conversation's messages in this folder, or the open message.</summary>
    public IReadOnlyList<long> OpenTargets()
    {
        if (OpenSummary is not { } open)
            return [];
        return OpenThread.Count > 0 ? OpenThread.Where(m => m.Summary.FolderId == open.FolderId).Select(m => m.Summary.Id).ToList() : [open.Id];
    }

    /// <summary>Expands a collapsed message of the conversation (marking it read when the setting says so) or collapses an expanded one.</summary>
    public async Task ToggleAsync(ConversationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Expanded)
        {
            message.Expanded = false;
            return;
        }
        await ExpandAsync(message);
        if (message.Expanded && Settings.MarkSeenOnOpen && !message.Summary.IsSeen)
        {
            await changes.SetFlagsAsync(_accountId, [message.Summary.Id], MessageFlags.Seen, set: true, _closing);
            message.Summary = message.Summary with { Flags = message.Summary.Flags | MessageFlags.Seen };
        }
    }

    /// <summary>The conversation of <paramref name="open"/> (whose content is <paramref name="openContent"/>), unread and last messages expanded.</summary>
    private async Task<IReadOnlyList<ConversationMessage>> LoadThreadAsync(MessageSummary open, MessageContent openContent)
    {
        var thread = await store.GetThreadAsync(_accountId, open.ThreadKey, _closing);
        // Replies filed in Sent belong to the conversation; what sits in Trash or Junk does not,
        // unless that is where the conversation was opened.
        var hidden = Folders.Where(f => f.SpecialUse is SpecialFolder.Trash or SpecialFolder.Junk && f.Id != open.FolderId).Select(f => f.Id).ToHashSet();
        var messages = thread.Where(m => m.Id == open.Id || !hidden.Contains(m.FolderId)).Select(m => new ConversationMessage(m)).ToList();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (!message.Summary.IsSeen || i == messages.Count - 1 || message.Summary.Id == open.Id)
                await ExpandAsync(message, message.Summary.Id == open.Id ? openContent : null);
        }
        return messages;
    }

    private async Task ExpandAsync(ConversationMessage message, MessageContent? known = null)
    {
        if (message.Content is null)
        {
            var raw = known is null ? await store.GetRawAsync(_accountId, message.Summary.Id, _closing) : null;
            message.Content = known ?? (raw is null ? null : MessageReader.Read(message.Summary.Id, MessageReader.Load(raw), AuthservId));
        }
        message.Expanded = message.Content is not null;
    }

    /// <summary>z: undoes the last move, if its Undo was not used yet; false when there is none.</summary>
    public async Task<bool> UndoLastAsync()
    {
        if (LastUndo is not { } undo)
            return false;
        await UndoAsync(undo);
        return true;
    }

    /// <summary>
    /// The row to open once the messages <paramref name="removed"/> leave the list, when the open message is
    /// among them: the next or previous row that stays (as the setting says), or null for back to the list.
    /// Found before the move, while the list still shows the open row.
    /// </summary>
    private MessageSummary? FollowingOpen(IEnumerable<long> removed)
    {
        var gone = removed.ToHashSet();
        if (OpenSummary is not { } open || !gone.Contains(open.Id) || Settings.AfterMove == "list")
            return null;
        var rows = Rows;
        var at = OpenRowId() is { } rowId ? IndexOf(rows, rowId) : -1;
        if (at < 0)
            return null;
        var step = Settings.AfterMove == "previous" ? -1 : 1;
        // Past the end (or the start), the other direction: archiving the last message opens the one above it.
        foreach (var direction in new[] { step, -step })
        {
            for (var i = at + direction; i >= 0 && i < rows.Count; i += direction)
            {
                if (!ListedIdsOf(rows[i]).Any(gone.Contains))
                    return rows[i];
            }
        }
        return null;
    }

    /// <summary>The open message left the folder: open <paramref name="following"/>, or go back to the list.</summary>
    private void LeaveOpenMessage(MessageSummary? following)
    {
        if (following is null)
        {
            CloseMessage();
            return;
        }
        CursorId = following.Id;
        navigation.NavigateTo(MessageUrl(following));
    }

    /// <summary>
    /// A row's check box: selects or clears the row's messages; with <paramref name="extend"/> (Shift-click)
    /// every row from the last one clicked to this one.
    /// </summary>
    public void SelectRow(MessageSummary row, bool selected, bool extend)
    {
        ArgumentNullException.ThrowIfNull(row);
        var rows = Rows;
        var to = IndexOf(rows, row.Id);
        var from = extend && _anchorRowId is { } anchor ? IndexOf(rows, anchor) : -1;
        if (to < 0)
            return;
        if (from < 0)
            from = to;
        for (var i = Math.Min(from, to); i <= Math.Max(from, to); i++)
        {
            foreach (var id in ListedIdsOf(rows[i]))
                ToggleSelected(id, selected);
        }
        _anchorRowId = row.Id;
    }

    private static string Count(int n) => n == 1 ? "1 message" : $"{n:N0} messages";
}
