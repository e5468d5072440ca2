using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;
using Webmail.Auth;
using Webmail.Compose;
using Webmail.Core.Storage;
using Webmail.Reading;

namespace Webmail.Components.Compose;

/// <summary>
/// The composer at <c>/compose</c>: new (<c>?to=</c> prefills), <c>?replyTo={id}&amp;mode=reply|replyall|forward</c>
/// (or <c>?replyAllTo={id}</c>, <c>?forward={id}</c>), or <c>?draft={id}</c>. Drafts are saved two seconds after the last change, on leaving the page
/// and when the circuit ends (the tab is closed).
/// </summary>
/// <remarks>
/// Every save (autosave, Save draft, Send, Discard, the save when the circuit ends) runs one at a time under
/// <c>_saving</c>: two saves at once would each append a draft and could each miss the other's, leaving two
/// drafts or keeping the older text. Changes are counted, not flagged, so a save that fails, or one that
/// started before the last keystroke, leaves the newer text to the next save.
/// </remarks>
public sealed partial class Composer : IAsyncDisposable
{
    private static readonly TimeSpan AutosaveDelay = TimeSpan.FromSeconds(2);

    [Inject] private ComposeService Compose { get; set; } = default!;
    [Inject] private AttachmentStaging Staging { get; set; } = default!;
    [Inject] private IDirectoryStore Directory { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private ILogger<Composer> Logger { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;
    // Ids are taken as text and parsed by MailUrls.ParseId: a long? query parameter makes Blazor throw on
    // "abc" or an overflowing number, and the page answered 500 instead of "no longer exists".
    [SupplyParameterFromQuery(Name = "replyTo")] private string? ReplyTo { get; set; }
    [SupplyParameterFromQuery(Name = "mode")] private string? Mode { get; set; }
    [SupplyParameterFromQuery(Name = "draft")] private string? Draft { get; set; }
    // The reading pane's short forms: ?replyAllTo={id} and ?forward={id}.
    [SupplyParameterFromQuery(Name = "replyAllTo")] private string? ReplyAllTo { get; set; }
    [SupplyParameterFromQuery(Name = "forward")] private string? ForwardOf { get; set; }
    [SupplyParameterFromQuery(Name = "to")] private string? PrefillTo { get; set; }

    /// <summary>Docked under the message in the reading pane: the message answered (instead of the query string).</summary>
    [Parameter] public long? DockedOriginalId { get; set; }
    /// <summary>Docked: reply, reply all or forward.</summary>
    [Parameter] public ComposeMode DockedMode { get; set; } = ComposeMode.Reply;
    /// <summary>Docked: the composer is done (sent, discarded or closed); the reading pane removes it.</summary>
    [Parameter] public EventCallback Closed { get; set; }

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    private bool Docked => DockedOriginalId is not null;

    private readonly SemaphoreSlim _saving = new(1, 1);
    private ComposeModel? _model;
    private RichEditor? _rich;
    private AddressInput? _to, _cc, _bcc;
    private bool _showCc, _showBcc;
    // Where the caret goes once the form is on screen: the body for a reply, else the To field.
    private bool _focusPending, _focusBody;
    private Timer? _autosave;
    private IDisposable? _leaving;
    private long _accountId;
    // Changes made (each edit counts one) and how many of them the stored draft holds.
    private long _changes, _savedChanges;
    private string _from = "";
    private string? _error;
    private string? _status;
    private bool _notFound, _busy, _done, _validate;

    private bool HasUnsavedChanges => _changes != _savedChanges;

    private string Session => _sessionPath ??= Staging.CreateSession();
    private string? _sessionPath;

    private string Title => _model?.Mode switch
    {
        ComposeMode.Reply => "Reply",
        ComposeMode.ReplyAll => "Reply all",
        ComposeMode.Forward => "Forward",
        _ => Draft is not null ? "Draft" : "New message",
    };

    protected override async Task OnInitializedAsync()
    {
        // Prerendering builds this page once without a circuit and disposes it at once: opening a reply,
        // forward or draft there would stage its attachments for nothing and, on dispose, file a stray draft.
        if (!RendererInfo.IsInteractive)
            return;
        var user = (await AuthenticationState).User;
        _accountId = user.GetAccountId();
        var account = await Directory.GetAccountAsync(_accountId, CancellationToken.None);
        _from = account is null ? user.GetAddress() : string.IsNullOrEmpty(account.DisplayName) ? account.Address : $"{account.DisplayName} <{account.Address}>";

        if (DockedOriginalId is { } docked)
            _model = await Compose.RespondAsync(_accountId, docked, DockedMode, Session, CancellationToken.None);
        else if (Draft is not null)
            _model = MailUrls.ParseId(Draft) is { } draftId ? await Compose.OpenDraftAsync(_accountId, draftId, Session, CancellationToken.None) : null;
        else if (Responding is var (originalText, mode))
            _model = MailUrls.ParseId(originalText) is { } originalId ? await Compose.RespondAsync(_accountId, originalId, mode, Session, CancellationToken.None) : null;
        else
        {
            _model = await Compose.NewAsync(_accountId, CancellationToken.None);
            if (!HeaderGuard.IsSafe(PrefillTo))
                _error = "The address in the link was not used: it contains line breaks or NUL characters.";
            else if (!string.IsNullOrWhiteSpace(PrefillTo))
                _model.To = PrefillTo.Trim();
        }
        _notFound = _model is null;
        if (_model is not null)
        {
            _showCc = _model.Cc.Length > 0;
            _showBcc = _model.Bcc.Length > 0;
            _focusBody = _model.Mode is ComposeMode.Reply or ComposeMode.ReplyAll || (_model.Mode == ComposeMode.New && _model.To.Length > 0);
            _focusPending = true;
        }
        // Nothing is saved until the user changes something: opening a reply or forward and leaving it
        // must not leave a draft behind.
        _leaving = Navigation.RegisterLocationChangingHandler(OnLeavingAsync);
    }

    /// <summary>The message being replied to or forwarded, and how, from the query string.</summary>
    private (string Id, ComposeMode Mode)? Responding =>
        ReplyTo is { } reply ? (reply, ParseMode(Mode))
        : ReplyAllTo is { } replyAll ? (replyAll, ComposeMode.ReplyAll)
        : ForwardOf is { } forward ? (forward, ComposeMode.Forward)
        : null;

    private static ComposeMode ParseMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        "replyall" or "reply-all" => ComposeMode.ReplyAll,
        "forward" => ComposeMode.Forward,
        _ => ComposeMode.Reply,
    };

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_focusPending || _model is null)
            return;
        _focusPending = false;
        if (!_focusBody && _to is not null)
            await _to.FocusAsync();
        else if (!_model.Rich)
        {
            // The rich editor puts its own caret (FocusOnStart); the plain body gets it at the top, above the quote.
            await using var module = await JS.InvokeAsync<IJSObjectReference>("import", "./compose.js");
            await module.InvokeVoidAsync("focusStart", "compose-body");
        }
    }

    private async Task ShowCopyFieldAsync(bool bcc)
    {
        if (bcc)
            _showBcc = true;
        else
            _showCc = true;
        StateHasChanged();
        await Task.Yield();
        if ((bcc ? _bcc : _cc) is { } field)
            await field.FocusAsync();
    }

    /// <summary>Ctrl+Enter (⌘+Enter on a Mac) sends from anywhere in the composer.</summary>
    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter" && (e.CtrlKey || e.MetaKey) && !_busy)
            await SendAsync();
    }

    private void Set(Action change)
    {
        change();
        Changed();
    }

    private void Changed()
    {
        _changes++;
        _status = null;
        _autosave ??= new Timer(_ => _ = InvokeAsync(() => SaveDraftAsync(automatic: true)));
        _autosave.Change(AutosaveDelay, Timeout.InfiniteTimeSpan);
    }

    private Task<IReadOnlyList<string>> SuggestAsync(string prefix) => Compose.SuggestAsync(_accountId, prefix, 8, CancellationToken.None);

    private void OnRichChanged((string Html, string Text) content)
    {
        _model!.Html = content.Html;
        _model.Body = content.Text;
        Changed();
    }

    private async Task ToggleRichAsync(bool rich)
    {
        if (_model is null || rich == _model.Rich)
            return;
        if (rich)
            _model.Html = MessageComposer.TextToHtml(_model.Body);
        else
            await ReadRichAsync();
        _model.Rich = rich;
        Changed();
    }

    private async Task ReadRichAsync()
    {
        if (_model is { Rich: true } && _rich is not null)
        {
            var (html, text) = await _rich.ReadAsync();
            _model.Html = html;
            _model.Body = text;
        }
    }

    private void OnAttachmentAdded(ComposeAttachment attachment)
    {
        _model!.Attachments.Add(attachment);
        Changed();
    }

    private void OnAttachmentRemoved(ComposeAttachment attachment)
    {
        _model!.Attachments.Remove(attachment);
        Staging.Remove(attachment);
        Changed();
    }

    private async Task AttachAsync()
    {
        await using var module = await JS.InvokeAsync<IJSObjectReference>("import", "./compose.js");
        await module.InvokeVoidAsync("openPicker", AttachmentPanel.InputId);
    }

    private Task SaveClickedAsync() => SaveDraftAsync(automatic: false);

    private async Task SaveDraftAsync(bool automatic)
    {
        if (_model is null || _done || (automatic && !HasUnsavedChanges))
            return;
        await _saving.WaitAsync();
        try
        {
            // Another save may have run while this one waited: the composer closed, or the text is stored.
            if (_done || (automatic && !HasUnsavedChanges))
                return;
            if (!automatic)
                await ReadRichAsync();
            // The service copies the model before its first await: what is saved is what this count describes.
            var saving = _changes;
            await Compose.SaveDraftAsync(_accountId, _model, CancellationToken.None);
            _savedChanges = saving;
            _status = "Draft saved at " + DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            _error = null;
        }
        catch (ComposeException e)
        {
            _error = e.Message;
        }
        catch (Exception e) when (e is StoreException or IOException)
        {
            // The changes stay unsaved: the next autosave, or the save when the page closes, tries again.
            Logger.LogWarning(e, "Could not save the draft of account {AccountId}", _accountId);
            _error = "The draft could not be saved: " + e.Message;
        }
        finally
        {
            _saving.Release();
        }
        StateHasChanged();
    }

    private async Task SendAsync()
    {
        if (_model is null || _busy || _done)
            return;
        _busy = true;
        _error = null;
        try
        {
            await ReadRichAsync();
            var warnings = SendChecks.Warnings(_model);
            if (warnings.Count > 0 && !await ConfirmSendAsync(warnings))
                return;
            await _saving.WaitAsync();
            try
            {
                var outcome = await Compose.SendAsync(_accountId, _model, CancellationToken.None);
                if (!outcome.Result.Succeeded)
                {
                    _error = outcome.Result.Error;
                    return;
                }
                _done = true;
                if (outcome.Held is { } held)
                    ShowUndo(held);
                else
                    Snackbar.Add(outcome.Result.Error ?? "Message sent", outcome.Result.Error is null ? Severity.Success : Severity.Warning);
            }
            finally
            {
                _saving.Release();
            }
            await LeaveAsync();
        }
        catch (ComposeException e)
        {
            _validate = true;
            _error = e.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task<bool> ConfirmSendAsync(IReadOnlyList<string> warnings)
    {
        var answer = await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = "Send anyway?",
            Message = string.Join(" ", warnings),
            YesText = "Send anyway",
            CancelText = "Keep editing",
        }, new DialogOptions { MaxWidth = MaxWidth.ExtraSmall, FullWidth = true });
        return answer == true;
    }

    /// <summary>
    /// "Sending…" with Undo for as long as the message is held. The snackbar outlives this composer (it belongs to the
    /// circuit's layout), so Undo works after the composer has closed: it brings the message back as a draft.
    /// </summary>
    private void ShowUndo(HeldSend held)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((held.ReleaseAt - DateTimeOffset.UtcNow).TotalSeconds));
        var compose = Compose;
        var navigation = Navigation;
        var snackbar = Snackbar;
        var accountId = _accountId;
        Snackbar.Add($"Sending in {seconds} s…", Severity.Info, options =>
        {
            options.Action = "Undo";
            options.ActionColor = Color.Primary;
            options.VisibleStateDuration = seconds * 1000;
            options.ShowCloseIcon = false;
            options.OnClick = async _ =>
            {
                var draft = await compose.UndoSendAsync(accountId, held.Id, CancellationToken.None);
                if (draft is { } id)
                    navigation.NavigateTo($"/compose?draft={id.ToString(CultureInfo.InvariantCulture)}");
                else
                    snackbar.Add("Too late to undo: the message has been sent.", Severity.Warning);
            };
        });
    }

    /// <summary>After Send or Discard: the docked composer closes, the page goes back to the mailbox.</summary>
    private async Task LeaveAsync()
    {
        if (Docked)
            await Closed.InvokeAsync();
        else
            Navigation.NavigateTo("/");
    }

    /// <summary>The docked composer's close button: what was typed is kept as a draft.</summary>
    private async Task CloseAsync()
    {
        if (HasUnsavedChanges && !_done)
        {
            await SaveDraftAsync(automatic: false);
            if (_error is not null)
                return;
            Snackbar.Add("Draft saved", Severity.Info);
        }
        _done = true;
        await Closed.InvokeAsync();
    }

    private async Task DiscardAsync()
    {
        if (_model is null)
            return;
        await _saving.WaitAsync();
        try
        {
            _done = true;
            await Compose.DiscardAsync(_accountId, _model, CancellationToken.None);
        }
        finally
        {
            _saving.Release();
        }
        Snackbar.Add("Draft discarded", Severity.Info);
        await LeaveAsync();
    }

    private async ValueTask OnLeavingAsync(LocationChangingContext context)
    {
        if (HasUnsavedChanges && !_done)
            await SaveDraftAsync(automatic: true);
    }

    public async ValueTask DisposeAsync()
    {
        _leaving?.Dispose();
        if (_autosave is not null)
            await _autosave.DisposeAsync();
        // The tab was closed or the circuit ended: keep what was typed. An autosave may be in flight (it
        // fired just before): wait for it, then store what it did not, and only then remove the staged
        // attachments that both read.
        await _saving.WaitAsync();
        try
        {
            if (!_done && _model is not null && HasUnsavedChanges)
            {
                try
                {
                    await Compose.SaveDraftAsync(_accountId, _model, CancellationToken.None);
                    _savedChanges = _changes;
                }
                catch (Exception e) when (e is ComposeException or StoreException or IOException)
                {
                    Logger.LogWarning(e, "Could not save the draft of account {AccountId} when the composer closed", _accountId);
                }
            }
            // An autosave queued behind this one finds the composer done and saves nothing.
            _done = true;
        }
        finally
        {
            _saving.Release();
        }
        if (_sessionPath is not null)
            Staging.DeleteSession(_sessionPath);
    }
}
