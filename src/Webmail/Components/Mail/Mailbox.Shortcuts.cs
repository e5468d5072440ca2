using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Webmail.Components.Mail;

/// <summary>
/// Keyboard shortcuts (as in Gmail): a listener in app.js forwards keys pressed outside text fields;
/// this decides what each does.
/// </summary>
public sealed partial class Mailbox
{
    /// <summary>The shortcuts and what they do, in the order the help lists them.</summary>
    internal static readonly (string Keys, string Action)[] ShortcutList =
    [
        ("j", "Next message"),
        ("k", "Previous message"),
        ("o or Enter", "Open the message"),
        ("r", "Reply"),
        ("a", "Reply all"),
        ("f", "Forward"),
        ("c", "Compose"),
        ("#", "Delete"),
        ("/", "Search"),
        ("?", "Show these shortcuts"),
        ("Escape", "Close the message or this help"),
    ];

    private DotNetObjectReference<Mailbox>? _shortcutsTarget;
    private IJSObjectReference? _shortcutsListener;
    private IDialogReference? _help;

    /// <summary>True once the page's key listener is attached (the mailbox shows it as data-shortcuts="on").</summary>
    internal bool ShortcutsOn => _shortcutsListener is not null;

    /// <summary>The keyboard cursor: the message the next o / Enter opens.</summary>
    internal long? CursorId { get; private set; }

    /// <summary>The search box, focused by "/".</summary>
    internal ElementReference SearchBox { get; set; }

    private async Task AttachShortcutsAsync()
    {
        _shortcutsTarget = DotNetObjectReference.Create(this);
        try
        {
            _shortcutsListener = await JS.InvokeAsync<IJSObjectReference>("webmail.shortcuts.attach", _disposed.Token, _shortcutsTarget);
            StateHasChanged();
        }
        catch (JSException e)
        {
            Logger.LogWarning(e, "Keyboard shortcuts are not available");
        }
    }

    private async Task DetachShortcutsAsync()
    {
        try
        {
            if (_shortcutsListener is not null)
            {
                await _shortcutsListener.InvokeVoidAsync("dispose");
                await _shortcutsListener.DisposeAsync();
            }
        }
        catch (Exception e) when (e is JSDisconnectedException or TaskCanceledException)
        {
            // The circuit is gone, and the page's listener with it: either it was gone before the call
            // (JSDisconnectedException), or it went while the call waited for the browser's answer — a
            // password change or sign-out tearing the circuit down — and the call was cancelled.
        }
        _shortcutsTarget?.Dispose();
    }

    [JSInvokable]
    public Task OnShortcutAsync(string key) => InvokeAsync(async () =>
    {
        if (await HandleShortcutAsync(key))
            StateHasChanged();
    });

    /// <summary>Does what <paramref name="key"/> stands for; false when it means nothing here.</summary>
    internal async Task<bool> HandleShortcutAsync(string key)
    {
        switch (key)
        {
            case "j":
            case "k":
                await MoveCursorAsync(key == "j" ? 1 : -1);
                return true;
            case "o":
            case "Enter":
                if (CursorTarget() is not { } row)
                    return false;
                Navigation.NavigateTo(MessageUrl(row));
                return true;
            case "r":
            case "a":
            case "f":
                if ((OpenSummary ?? CursorTarget()) is not { } message)
                    return false;
                var mode = key switch { "r" => "replyTo", "a" => "replyAllTo", _ => "forward" };
                Navigation.NavigateTo(ComposeUrl(mode, message.Id));
                return true;
            case "c":
                Navigation.NavigateTo("/compose");
                return true;
            case "#":
                var targets = Selected.Count > 0 || OpenSummary is not null ? Targets() : CursorTarget() is { } cursor ? ListedIdsOf(cursor) : [];
                if (targets.Count == 0)
                    return false;
                await DeleteAsync(targets);
                return true;
            case "/":
                await SearchBox.FocusAsync();
                return false;
            case "?":
                if (_help is { Result.IsCompleted: false })
                    return false;
                _help = await Dialogs.ShowAsync<ShortcutHelp>("Keyboard shortcuts", new DialogOptions { CloseOnEscapeKey = true, CloseButton = true, MaxWidth = MaxWidth.ExtraSmall });
                return false;
            case "Escape":
                if (_help is { Result.IsCompleted: false } help)
                {
                    help.Close();
                    return false;
                }
                if (OpenSummary is null)
                    return false;
                CloseMessage();
                return true;
            default:
                return false;
        }
    }

    /// <summary>j / k: moves the cursor down / up the list; with a message open, opens the one the cursor lands on.</summary>
    private async Task MoveCursorAsync(int step)
    {
        var rows = Rows;
        if (rows.Count == 0)
            return;
        var from = CursorTarget() is { } current ? IndexOf(rows, current.Id) : -1;
        var to = from < 0 ? 0 : Math.Clamp(from + step, 0, rows.Count - 1);
        CursorId = rows[to].Id;
        if (OpenSummary is not null && rows[to].Id != OpenSummary.Id)
            Navigation.NavigateTo(MessageUrl(rows[to]));
        await JS.InvokeVoidAsync("webmail.revealRow", _disposed.Token, CursorId);
    }

    /// <summary>The row under the cursor: the one moved to, else the open message's row.</summary>
    private Core.Model.MessageSummary? CursorTarget()
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
    private IReadOnlyList<long> ListedIdsOf(Core.Model.MessageSummary row) =>
        Threads?.Items.FirstOrDefault(t => t.Latest.Id == row.Id)?.MessageIds ?? [row.Id];

    private static int IndexOf(IReadOnlyList<Core.Model.MessageSummary> rows, long id)
    {
        for (var i = 0; i < rows.Count; i++)
            if (rows[i].Id == id)
                return i;
        return -1;
    }

    /// <summary>The composer reads these query parameters (replyTo, replyAllTo, forward).</summary>
    internal static string ComposeUrl(string mode, long id) => $"/compose?{mode}={id.ToString(CultureInfo.InvariantCulture)}";
}
