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

    /// <summary>What # deletes: the selection, the open message (conversation), else the row under the cursor.</summary>
    public IReadOnlyList<long> KeyboardDeleteTargets() =>
        _selected.Count > 0 || OpenSummary is not null ? Targets() : CursorTarget() is { } cursor ? ListedIdsOf(cursor) : [];

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
