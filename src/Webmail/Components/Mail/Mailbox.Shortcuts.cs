using Microsoft.JSInterop;
using MudBlazor;
using Webmail.Core.Model;
using Webmail.Reading;

namespace Webmail.Components.Mail;

/// <summary>
/// Keyboard shortcuts (as in Gmail): a listener in app.js forwards keys pressed outside text fields;
/// this maps each key to what it does — the cursor and the messages it acts on are
/// <see cref="MailboxState"/>'s, the help dialog, focus and scrolling are the page's.
/// </summary>
public sealed partial class Mailbox
{
    /// <summary>The shortcuts and what they do, in the order the help lists them.</summary>
    internal static readonly (string Keys, string Action)[] ShortcutList =
    [
        ("j", "Next message (opens it when a message is open)"),
        ("k", "Previous message (opens it when a message is open)"),
        ("o or Enter", "Open the message"),
        ("u", "Back to the list"),
        ("x", "Select the message"),
        ("r", "Reply"),
        ("a", "Reply all"),
        ("f", "Forward"),
        ("c", "Compose"),
        ("e", "Archive"),
        ("s", "Flag (star) or unflag"),
        ("#", "Delete"),
        ("!", "Report spam (in Junk: not spam)"),
        ("Shift+I", "Mark as read"),
        ("Shift+U", "Mark as unread"),
        ("z", "Undo the last move"),
        ("g then i", "Go to Inbox"),
        ("g then s", "Go to Sent"),
        ("g then d", "Go to Drafts"),
        ("/", "Search"),
        ("?", "Show these shortcuts"),
        ("Escape", "Close the message or this help"),
    ];

    /// <summary>How long after g the second key of "g i" / "g s" / "g d" is waited for.</summary>
    private static readonly TimeSpan GoKeyWindow = TimeSpan.FromSeconds(1.5);

    // When g was pressed (the start of a "go to" pair); null when no pair is pending.
    private DateTimeOffset? _goPressed;

    private DotNetObjectReference<Mailbox>? _shortcutsTarget;
    private IJSObjectReference? _shortcutsListener;
    private IDialogReference? _help;

    // "?" is being shown: the dialog is on the page before ShowAsync returns its reference (it waits
    // for the browser to confirm the render), and an Escape in that moment must close the help — it
    // used to close the open message instead.
    private bool _helpOpening;
    private bool _closeHelpOnceShown;

    /// <summary>True once the page's key listener is attached (the mailbox shows it as data-shortcuts="on").</summary>
    internal bool ShortcutsOn => _shortcutsListener is not null;

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
        // "g" then a folder key: the pair goes to the folder; any other key (or a late one) is itself.
        if (_goPressed is { } pressed)
        {
            _goPressed = null;
            if (DateTimeOffset.UtcNow - pressed <= GoKeyWindow && key is "i" or "s" or "d")
                return State.GoToSpecialFolder(key switch { "i" => SpecialFolder.Inbox, "s" => SpecialFolder.Sent, _ => SpecialFolder.Drafts });
        }
        switch (key)
        {
            case "g":
                _goPressed = DateTimeOffset.UtcNow;
                return false;
            case "j":
            case "k":
                if (State.OpenSummary is not null)
                    return await State.OpenAdjacentAsync(key == "j" ? 1 : -1);
                if (State.MoveCursor(key == "j" ? 1 : -1) is { } cursor)
                    await JS.InvokeVoidAsync("webmail.revealRow", _disposed.Token, cursor);
                return true;
            case "u":
                if (State.OpenSummary is null)
                    return false;
                State.CloseMessage();
                return true;
            case "x":
                return State.ToggleCursorSelection();
            case "e":
            case "I":
            case "U":
            {
                var ids = State.KeyboardTargets();
                if (ids.Count == 0)
                    return false;
                if (key == "e")
                    await State.MoveToSpecialAsync(ids, SpecialFolder.Archive);
                else
                    await State.SetFlagAsync(ids, MessageFlags.Seen, set: key == "I");
                return true;
            }
            case "s":
                return await State.ToggleFlagAsync();
            case "z":
                return await State.UndoLastAsync();
            case "o":
            case "Enter":
                return State.OpenCursor();
            case "r":
                return State.Answer("replyTo");
            case "a":
                return State.Answer("replyAllTo");
            case "f":
                return State.Answer("forward");
            case "c":
                Navigation.NavigateTo("/compose");
                return true;
            case "#":
                var targets = State.KeyboardTargets();
                if (targets.Count == 0)
                    return false;
                await State.DeleteAsync(targets);
                return true;
            case "!":
                var reported = State.KeyboardTargets();
                if (reported.Count == 0)
                    return false;
                await State.ReportSpamOrNotAsync(reported);
                return true;
            case "/":
                if (_list is not null)
                    await _list.FocusSearchAsync();
                return false;
            case "?":
                if (_helpOpening || _help is { Result.IsCompleted: false })
                    return false;
                _helpOpening = true;
                try
                {
                    // Escape is the mailbox's to handle for its help (app.js forwards it): MudBlazor's own
                    // Escape handling would close the help first and leave the mailbox's Escape to close the
                    // open message too.
                    _help = await Dialogs.ShowAsync<ShortcutHelp>("Keyboard shortcuts", new DialogOptions { CloseOnEscapeKey = false, CloseButton = true, MaxWidth = MaxWidth.ExtraSmall });
                }
                finally
                {
                    _helpOpening = false;
                }
                if (_closeHelpOnceShown)
                {
                    _closeHelpOnceShown = false;
                    _help.Close();
                }
                return false;
            case "Escape":
                if (_helpOpening)
                {
                    _closeHelpOnceShown = true;
                    return false;
                }
                if (_help is { Result.IsCompleted: false } help)
                {
                    help.Close();
                    return false;
                }
                if (State.OpenSummary is null)
                    return false;
                State.CloseMessage();
                return true;
            default:
                return false;
        }
    }
}
