using Webmail.Core.Model;

namespace Webmail.Reading;

/// <summary>
/// The keyboard cursor (j / k) and what the message keys act on. Which key means what is the page's
/// (Mailbox.Shortcuts.cs); where the cursor is and which messages it stands for is decided here.
/// </summary>
public sealed partial class MailboxState
{
    /// <summary>The keyboard cursor: the message the next o / Enter opens.</summary>
    public long? CursorId { get; private set; }

    // The row a Shift-click extends the selection from: the last row whose check box was clicked.
    private long? _anchorRowId;

    /// <summary>The open message's place in the list ("3 of 52"): its row's number across pages and the list's total; null when it is not listed.</summary>
    public (long Number, long Total, bool TotalIsLowerBound)? OpenPosition
    {
        get
        {
            var at = OpenRowId() is { } rowId ? IndexOf(Rows, rowId) : -1;
            if (at < 0)
                return null;
            var (total, lowerBound) = Threads is { } t ? (t.Total, t.TotalIsLowerBound) : (Messages!.Total, Messages.TotalIsLowerBound);
            return ((long)PageIndex * PageSize + at + 1, total, lowerBound);
        }
    }

    /// <summary>
    /// The reading pane's previous / next, and j / k with a message open: opens the row above or below the
    /// open one, across a page boundary too (the list turns the page). False at either end of the list.
    /// </summary>
    public async Task<bool> OpenAdjacentAsync(int step)
    {
        var rows = Rows;
        var at = OpenRowId() is { } rowId ? IndexOf(rows, rowId) : -1;
        if (at < 0)
            return MoveCursor(step) is not null;
        var to = at + step;
        if (to >= 0 && to < rows.Count)
        {
            CursorId = rows[to].Id;
            navigation.NavigateTo(MessageUrl(rows[to]));
            return true;
        }
        var position = OpenPosition;
        var turn = to < 0 ? PageIndex > 0 : position is { } p && (p.Number < p.Total || p.TotalIsLowerBound);
        if (!turn)
            return false;
        await GoToPageAsync(PageIndex + (to < 0 ? -1 : 1));
        rows = Rows;
        if (rows.Count == 0)
            return false;
        var row = to < 0 ? rows[^1] : rows[0];
        CursorId = row.Id;
        navigation.NavigateTo(MessageUrl(row));
        return true;
    }

    /// <summary>g i / g s / g d: goes to the Inbox, Sent or Drafts; false when the account has no such folder.</summary>
    public bool GoToSpecialFolder(SpecialFolder special)
    {
        if (Folders.FirstOrDefault(f => f.SpecialUse == special) is not { } folder)
            return false;
        navigation.NavigateTo(FolderUrl(folder.Id));
        return true;
    }

    /// <summary>x: selects or clears the row under the cursor (or the open message's row); false when there is none.</summary>
    public bool ToggleCursorSelection()
    {
        if (CursorTarget() is not { } row)
            return false;
        var ids = ListedIdsOf(row);
        SelectRow(row, !ids.All(_selected.Contains), extend: false);
        Changed();
        return true;
    }

    /// <summary>
    /// j / k: moves the cursor down / up the list; with a message open, opens the one the cursor
    /// lands on. The id under the cursor, or null when the list is empty.
    /// </summary>
    public long? MoveCursor(int step)
    {
        var rows = Rows;
        if (rows.Count == 0)
            return null;
        var from = CursorTarget() is { } current ? IndexOf(rows, current.Id) : -1;
        var to = from < 0 ? 0 : Math.Clamp(from + step, 0, rows.Count - 1);
        CursorId = rows[to].Id;
        if (OpenSummary is not null && rows[to].Id != OpenSummary.Id)
            navigation.NavigateTo(MessageUrl(rows[to]));
        return CursorId;
    }

    /// <summary>o / Enter: opens the row under the cursor; false when there is none.</summary>
    public bool OpenCursor()
    {
        if (CursorTarget() is not { } row)
            return false;
        navigation.NavigateTo(MessageUrl(row));
        return true;
    }

    /// <summary>r / a / f: the composer for the open message, else the one under the cursor; false when there is neither.</summary>
    /// <param name="mode">replyTo, replyAllTo or forward.</param>
    public bool Answer(string mode)
    {
        if ((OpenSummary ?? CursorTarget()) is not { } message)
            return false;
        // The composer docks under the message: open it first when the cursor's row is not the open one.
        AnswerMessage(message.Id, AnswerMode(mode));
        if (message.Id != OpenSummary?.Id)
            navigation.NavigateTo(MessageUrl(message));
        return true;
    }

    /// <summary>What #, e, s, !, Shift+I and Shift+U act on: the selection, the open message (conversation), else the row under the cursor.</summary>
    public IReadOnlyList<long> KeyboardTargets() =>
        _selected.Count > 0 || OpenSummary is not null ? Targets() : CursorTarget() is { } cursor ? ListedIdsOf(cursor) : [];

    /// <summary>s: flags the targets, or unflags them when all of them are flagged already.</summary>
    public async Task<bool> ToggleFlagAsync()
    {
        var ids = KeyboardTargets();
        if (ids.Count == 0)
            return false;
        var flagged = ids.All(id => FlagsOf(id) is { } f && f.HasFlag(MessageFlags.Flagged));
        await SetFlagAsync(ids, MessageFlags.Flagged, !flagged);
        return true;
    }

    /// <summary>The flags of a listed or open message, as last loaded.</summary>
    private MessageFlags? FlagsOf(long id) =>
        OpenSummary?.Id == id ? OpenSummary.Flags
        : Messages?.Items.FirstOrDefault(m => m.Id == id)?.Flags
        ?? OpenThread.FirstOrDefault(m => m.Summary.Id == id)?.Summary.Flags
        ?? (Threads?.Items.FirstOrDefault(t => t.MessageIds.Contains(id)) is { } t ? (t.IsFlagged ? MessageFlags.Flagged : MessageFlags.None) : null);

    /// <summary>The row under the cursor: the one moved to, else the open message's row.</summary>
    private MessageSummary? CursorTarget()
    {
        var rows = Rows;
        var id = CursorId is { } c && IndexOf(rows, c) >= 0 ? c : OpenRowId();
        return rows.FirstOrDefault(r => r.Id == id);
    }

    /// <summary>The open message's row; in the conversation list, the row of its conversation.</summary>
    private long? OpenRowId() =>
        OpenSummary is not { } open ? null
        : Threads?.Items.FirstOrDefault(t => t.MessageIds.Contains(open.Id))?.Latest.Id ?? open.Id;

    /// <summary>The messages a row stands for: itself, or its conversation's messages in this folder.</summary>
    private IReadOnlyList<long> ListedIdsOf(MessageSummary row) =>
        Threads?.Items.FirstOrDefault(t => t.Latest.Id == row.Id)?.MessageIds ?? [row.Id];

    private static int IndexOf(IReadOnlyList<MessageSummary> rows, long id)
    {
        for (var i = 0; i < rows.Count; i++)
            if (rows[i].Id == id)
                return i;
        return -1;
    }
}
