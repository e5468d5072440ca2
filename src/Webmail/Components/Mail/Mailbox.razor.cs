using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Webmail.Auth;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;
using Webmail.Mail;

namespace Webmail.Components.Mail;

/// <summary>
/// The three-pane mailbox (folders · list · reading pane). Owns the state; the panes render it
/// and call back here. Every store call carries the signed-in account's id.
/// </summary>
public sealed partial class Mailbox : IAsyncDisposable
{
    public const int PageSize = 50;

    [Inject] private IMessageStore Store { get; set; } = default!;
    [Inject] private IDirectoryStore Directory { get; set; } = default!;
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
    private long _accountId;
    private AccountSettings _settings = new();
    private int _refreshQueued;

    internal IReadOnlyList<Folder> Folders { get; private set; } = [];
    internal Folder? Current { get; private set; }
    internal Page<MessageSummary>? Messages { get; private set; }
    internal MailboxLoad ListState { get; private set; } = MailboxLoad.Loading;
    internal string? ListError { get; private set; }
    internal int PageIndex { get; private set; }
    internal MessageSort Sort { get; private set; } = MessageSort.DateDescending;
    internal string SearchText { get; set; } = "";
    internal bool SearchAllFolders { get; set; }
    internal SearchQuery? ActiveSearch { get; private set; }
    internal HashSet<long> Selected { get; } = [];
    internal MessageSummary? OpenSummary { get; private set; }
    internal MessageContent? OpenContent { get; private set; }
    internal MailboxLoad ReadState { get; private set; } = MailboxLoad.Ready;
    internal bool ShowRemote { get; private set; }
    internal bool ShowFoldersOnPhone { get; set; }
    internal long? DraggedMessageId { get; set; }

    internal string Title => ActiveSearch is not null ? "Search results" : Current?.Name ?? "Mail";

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _accountId = user.GetAccountId();
        _settings = await Directory.GetSettingsAsync(_accountId, _disposed.Token);
    }

    protected override async Task OnParametersSetAsync()
    {
        var folderChanged = Current is null || (FolderId is { } f && f != Current.Id);
        if (folderChanged || Folders.Count == 0)
        {
            await LoadFoldersAsync();
            Current = FolderId is { } id ? Folders.FirstOrDefault(x => x.Id == id) : Folders.FirstOrDefault(x => x.SpecialUse == SpecialFolder.Inbox);
            if (folderChanged)
            {
                PageIndex = 0;
                Selected.Clear();
                if (ActiveSearch is not null && !SearchAllFolders)
                    ActiveSearch = null;
                ShowFoldersOnPhone = false;
                await LoadListAsync(showProgress: true);
            }
        }
        if (MessageId != OpenSummary?.Id)
            await OpenAsync(MessageId);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // Live updates: the store publishes after each commit; the handler hops onto this circuit.
        if (firstRender && _accountId != 0)
            _subscription = Notifier.Subscribe(_accountId, OnMailboxChangedAsync);
    }

    private async Task OnMailboxChangedAsync(MailboxChange change)
    {
        // Coalesce bursts (a bulk move publishes per commit) into one refresh.
        if (Interlocked.Exchange(ref _refreshQueued, 1) == 1)
            return;
        await Task.Delay(100, _disposed.Token).ConfigureAwait(false);
        Interlocked.Exchange(ref _refreshQueued, 0);
        await InvokeAsync(async () =>
        {
            if (_disposed.IsCancellationRequested)
                return;
            await LoadFoldersAsync();
            await LoadListAsync(showProgress: false);
            StateHasChanged();
            if (change.Kind == MailboxChangeKind.NewMessage && change.MessageId != 0)
                await NotifyNewMailAsync(change.MessageId);
        }).ConfigureAwait(false);
    }

    private async Task NotifyNewMailAsync(long messageId)
    {
        var summary = await Store.GetSummaryAsync(_accountId, messageId, _disposed.Token);
        if (summary is null || Folders.FirstOrDefault(f => f.Id == summary.FolderId)?.SpecialUse != SpecialFolder.Inbox)
            return;
        try
        {
            await JS.InvokeVoidAsync("webmail.notify", _disposed.Token, DisplaySender(summary), summary.Subject);
        }
        catch (JSException e)
        {
            Logger.LogDebug(e, "Browser notification failed");
        }
    }

    internal async Task LoadFoldersAsync()
    {
        Folders = await Store.GetFoldersAsync(_accountId, _disposed.Token);
        if (Current is not null)
            Current = Folders.FirstOrDefault(f => f.Id == Current.Id) ?? Current;
    }

    internal async Task LoadListAsync(bool showProgress)
    {
        if (Current is null && ActiveSearch is null)
        {
            ListState = MailboxLoad.Failed;
            ListError = "This folder does not exist. It may have been deleted.";
            Messages = null;
            return;
        }
        if (showProgress)
            ListState = MailboxLoad.Loading;
        try
        {
            Messages = ActiveSearch is { } query
                ? await Store.SearchAsync(_accountId, query, PageIndex, PageSize, _disposed.Token)
                : await Store.ListAsync(_accountId, Current!.Id, PageIndex, PageSize, Sort, _disposed.Token);
            Selected.IntersectWith(Messages.Items.Select(m => m.Id));
            ListState = MailboxLoad.Ready;
        }
        catch (StoreException e)
        {
            ListState = MailboxLoad.Failed;
            ListError = "The messages could not be loaded: " + e.Message;
        }
    }

    internal async Task OpenAsync(long? messageId)
    {
        OpenSummary = null;
        OpenContent = null;
        ShowRemote = false;
        if (messageId is not { } id)
            return;
        ReadState = MailboxLoad.Loading;
        var summary = await Store.GetSummaryAsync(_accountId, id, _disposed.Token);
        var raw = summary is null ? null : await Store.GetRawAsync(_accountId, id, _disposed.Token);
        if (summary is null || raw is null)
        {
            ReadState = MailboxLoad.Failed;
            return;
        }
        OpenSummary = summary;
        OpenContent = MessageReader.Read(id, MessageReader.Load(raw));
        ShowRemote = _settings.RemoteContent == "always" || _settings.TrustedSenders.Contains(summary.FromAddress, StringComparer.OrdinalIgnoreCase);
        ReadState = MailboxLoad.Ready;
        if (_settings.MarkSeenOnOpen && !summary.IsSeen)
        {
            await Store.SetFlagsAsync(_accountId, [id], MessageFlags.Seen, set: true, _disposed.Token);
            OpenSummary = summary with { Flags = summary.Flags | MessageFlags.Seen };
        }
    }

    internal void ShowRemoteContent() => ShowRemote = true;

    /// <summary>Phone layout: shows the folder pane. The pane classes live on this component, so it re-renders itself.</summary>
    internal void ShowFolders()
    {
        ShowFoldersOnPhone = true;
        StateHasChanged();
    }

    internal async Task TrustSenderAsync()
    {
        if (OpenSummary is not { } open || string.IsNullOrEmpty(open.FromAddress))
            return;
        var settings = await Directory.GetSettingsAsync(_accountId, _disposed.Token);
        if (!settings.TrustedSenders.Contains(open.FromAddress, StringComparer.OrdinalIgnoreCase))
        {
            _settings = settings with { TrustedSenders = [.. settings.TrustedSenders, open.FromAddress] };
            await Directory.SaveSettingsAsync(_accountId, _settings, _disposed.Token);
        }
        ShowRemote = true;
        Snackbar.Add($"Remote content from {open.FromAddress} will always be shown.", Severity.Info);
    }

    internal string MessageUrl(MessageSummary message) =>
        string.Create(CultureInfo.InvariantCulture, $"/folder/{message.FolderId}/message/{message.Id}");

    internal string FolderUrl(long folderId) => string.Create(CultureInfo.InvariantCulture, $"/folder/{folderId}");

    internal void CloseMessage() => Navigation.NavigateTo(FolderUrl(Current?.Id ?? OpenSummary?.FolderId ?? 0));

    internal static string DisplaySender(MessageSummary message) =>
        string.IsNullOrWhiteSpace(message.FromName) ? message.FromAddress : message.FromName;

    internal async Task ChangeSortAsync(MessageSort sort)
    {
        Sort = sort;
        PageIndex = 0;
        await LoadListAsync(showProgress: true);
    }

    internal async Task GoToPageAsync(int pageIndex)
    {
        PageIndex = Math.Max(0, pageIndex);
        Selected.Clear();
        await LoadListAsync(showProgress: true);
    }

    internal async Task SearchAsync()
    {
        var query = SearchQuery.Parse(SearchText, SearchAllFolders ? null : Current?.Id);
        ActiveSearch = query.IsEmpty ? null : query;
        PageIndex = 0;
        Selected.Clear();
        await LoadListAsync(showProgress: true);
    }

    internal async Task ClearSearchAsync()
    {
        SearchText = "";
        ActiveSearch = null;
        PageIndex = 0;
        await LoadListAsync(showProgress: true);
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        await _disposed.CancelAsync();
        _disposed.Dispose();
    }
}
