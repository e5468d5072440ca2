using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Webmail.Auth;
using Webmail.Core.Notifications;
using Webmail.Reading;

namespace Webmail.Components.Mail;

/// <summary>
/// The three-pane mailbox (folders · list · reading pane). The state and its rules live in
/// <see cref="MailboxState"/> (one per circuit), cascaded to the panes, which render it and call
/// it; this page hands it the route, asks and tells for it (dialogs, snackbars), and owns what
/// needs the browser: live updates into the circuit, desktop notifications, keyboard shortcuts.
/// </summary>
public sealed partial class Mailbox : IMailboxPage, IAsyncDisposable
{
    [Inject] private MailboxState State { get; set; } = default!;
    [Inject] private MailboxNotifier Notifier { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ILogger<Mailbox> Logger { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>The folder from the route; the INBOX when absent.</summary>
    [Parameter] public long? FolderId { get; set; }

    /// <summary>The open message from the route.</summary>
    [Parameter] public long? MessageId { get; set; }

    private readonly CancellationTokenSource _disposed = new();
    private IDisposable? _subscription;
    private MessageListPane? _list;
    private long _accountId;
    private int _refreshQueued;

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _accountId = user.GetAccountId();
        await State.StartAsync(_accountId, this, _disposed.Token);
    }

    protected override Task OnParametersSetAsync() => State.ShowAsync(FolderId, MessageId);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || _accountId == 0)
            return;
        // Live updates: the store publishes after each commit; the handler hops onto this circuit.
        _subscription = Notifier.Subscribe(_accountId, OnMailboxChangedAsync);
        await AttachShortcutsAsync();
    }

    private async Task OnMailboxChangedAsync(MailboxChange change)
    {
        // Coalesce bursts (a bulk move publishes per commit, a busy inbox per delivery) into at most
        // two refreshes a second: under steady delivery each open page reloaded ten times a second.
        if (Interlocked.Exchange(ref _refreshQueued, 1) == 1)
            return;
        try
        {
            await Task.Delay(500, _disposed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            return; // the page closed while the refresh waited
        }
        Interlocked.Exchange(ref _refreshQueued, 0);
        await InvokeAsync(async () =>
        {
            if (_disposed.IsCancellationRequested)
                return;
            await State.RefreshAsync();
            if (change.Kind == MailboxChangeKind.NewMessage && change.MessageId != 0)
                await NotifyNewMailAsync(change.MessageId);
        }).ConfigureAwait(false);
    }

    private async Task NotifyNewMailAsync(long messageId)
    {
        if (await State.FindNewInboxMessageAsync(messageId) is not { } summary)
            return;
        try
        {
            await JS.InvokeVoidAsync("webmail.notify", _disposed.Token, MailboxState.DisplaySender(summary), summary.Subject);
        }
        catch (JSException e)
        {
            Logger.LogDebug(e, "Browser notification failed");
        }
    }

    async Task<bool> IMailboxPage.ConfirmAsync(Confirmation question) =>
        await Dialogs.ShowMessageBoxAsync(question.Title, question.Text, yesText: question.YesText, cancelText: "Cancel") == true;

    void IMailboxPage.Show(MailboxNotice notice)
    {
        var severity = notice.Kind switch
        {
            MailboxNoticeKind.Failed => Severity.Error,
            MailboxNoticeKind.Info => Severity.Info,
            _ => Severity.Normal,
        };
        if (notice.Undo is not { } undo)
        {
            Snackbar.Add(notice.Text, severity);
            return;
        }
        Snackbar.Add(notice.Text, severity, options =>
        {
            options.Action = "Undo";
            options.ActionColor = Color.Primary;
            options.OnClick = _ => InvokeAsync(() => State.UndoAsync(undo));
        });
    }

    void IMailboxPage.StateChanged() => _ = InvokeAsync(StateHasChanged);

    public async ValueTask DisposeAsync()
    {
        State.Stop(this);
        _subscription?.Dispose();
        await DetachShortcutsAsync();
        // Cancelled, not disposed: a notification already in flight may still read its token.
        await _disposed.CancelAsync();
    }
}
