using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Webmail.Auth;
using Webmail.Core.Model;
using Webmail.Core.Notifications;
using Webmail.Core.Storage;
using Webmail.Reading;
using Webmail.Settings;

namespace Webmail.Components.Mail;

/// <summary>
/// The three-pane mailbox (folders · list · reading pane). Owns the state; the panes render it
/// and call back here. Every store call carries the signed-in account's id.
/// </summary>
public sealed partial class Mailbox : IAsyncDisposable
{
    public const int PageSize = 50;

    [Inject] private IMailboxReader Store { get; set; } = default!;
    [Inject] private IMailboxWriter Changes { get; set; } = default!;
    [Inject] private IDirectoryStore Directory { get; set; } = default!;
    [Inject] private MailboxNotifier Notifier { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ILogger<Mailbox> Logger { get; set; } = default!;
    [Inject] private UserPreferences Preferences { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>The folder from the route; the INBOX when absent.</summary>
    [Parameter] public long? FolderId { get; set; }

    /// <summary>The open message from the route.</summary>
    [Parameter] public long? MessageId { get; set; }

    private readonly CancellationTokenSource _disposed = new();
    private IDisposable? _subscription;
    private long _accountId;
    private int _refreshQueued;

    internal IReadOnlyList<Folder> Folders { get; private set; } = [];
    internal Folder? Current { get; private set; }
    internal Page<MessageSummary>? Messages { get; private set; }
    /// <summary>The list grouped by conversation (instead of <see cref="Messages"/>) when <see cref="Conversations"/> is on.</summary>
    internal Page<ConversationSummary>? Threads { get; private set; }
    internal Core.Model.Account? Account { get; private set; }
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
    /// <summary>The open conversation's messages, oldest first (conversation view only).</summary>
    internal IReadOnlyList<ConversationMessage> OpenThread { get; private set; } = [];
    internal bool ShowFoldersOnPhone { get; set; }
    internal long? DraggedMessageId { get; set; }

    internal AccountSettings Settings => Preferences.Current;

    /// <summary>The list shows one row per conversation: the setting is on and this is a folder, not search results.</summary>
    internal bool Conversations => Settings.GroupByConversation && ActiveSearch is null;

    internal string Title => ActiveSearch is not null ? "Search results" : Current?.Name ?? "Mail";

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _accountId = user.GetAccountId();
        await Preferences.LoadAsync(_accountId, _disposed.Token);
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
        Account = await Directory.GetAccountAsync(_accountId, _disposed.Token);
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
            if (Conversations)
            {
                Threads = await Store.ListConversationsAsync(_accountId, Current!.Id, PageIndex, PageSize, _disposed.Token);
                Messages = null;
            }
            else
            {
                Messages = ActiveSearch is { } query
                    ? await Store.SearchAsync(_accountId, query, PageIndex, PageSize, _disposed.Token)
                    : await Store.ListAsync(_accountId, Current!.Id, PageIndex, PageSize, Sort, _disposed.Token);
                Threads = null;
            }
            Selected.IntersectWith(ListedMessageIds);
            ListState = MailboxLoad.Ready;
        }
        catch (StoreException e)
        {
            ListState = MailboxLoad.Failed;
            ListError = "The messages could not be loaded: " + e.Message;
        }
    }

    /// <summary>Every message id on the current page (each conversation's messages in the folder).</summary>
    internal IEnumerable<long> ListedMessageIds =>
        Threads?.Items.SelectMany(t => t.MessageIds) ?? Messages?.Items.Select(m => m.Id) ?? [];

    /// <summary>The message each row opens, top to bottom (a conversation opens at its latest message).</summary>
    internal IReadOnlyList<MessageSummary> Rows =>
        Threads?.Items.Select(t => t.Latest).ToList() ?? (IReadOnlyList<MessageSummary>?)Messages?.Items ?? [];

    /// <summary>Remote content may load without asking: the setting says always, or the sender is trusted (never: not even then).</summary>
    internal bool RemoteAllowed(MessageSummary message) =>
        Settings.RemoteContent == "always"
        || Settings.RemoteContent == "ask" && Settings.TrustedSenders.Contains(message.FromAddress, StringComparer.OrdinalIgnoreCase);

    internal async Task OpenAsync(long? messageId)
    {
        OpenSummary = null;
        OpenContent = null;
        OpenThread = [];
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
        if (Conversations)
            await LoadThreadAsync(summary);
        ReadState = MailboxLoad.Ready;
        var unread = OpenThread.Count > 0 ? OpenThread.Where(m => !m.Summary.IsSeen).Select(m => m.Summary.Id).ToList() : summary.IsSeen ? [] : [id];
        if (Settings.MarkSeenOnOpen && unread.Count > 0)
        {
            await Changes.SetFlagsAsync(_accountId, unread, MessageFlags.Seen, set: true, _disposed.Token);
            OpenSummary = summary with { Flags = summary.Flags | MessageFlags.Seen };
            foreach (var message in OpenThread.Where(m => unread.Contains(m.Summary.Id)))
                message.Summary = message.Summary with { Flags = message.Summary.Flags | MessageFlags.Seen };
        }
    }

    /// <summary>Phone layout: shows the folder pane. The pane classes live on this component, so it re-renders itself.</summary>
    internal void ShowFolders()
    {
        ShowFoldersOnPhone = true;
        StateHasChanged();
    }

    internal async Task TrustSenderAsync(string address)
    {
        if (string.IsNullOrEmpty(address))
            return;
        var settings = await Directory.GetSettingsAsync(_accountId, _disposed.Token);
        if (!settings.TrustedSenders.Contains(address, StringComparer.OrdinalIgnoreCase))
            await Preferences.SaveAsync(_accountId, settings with { TrustedSenders = [.. settings.TrustedSenders, address] }, _disposed.Token);
        Snackbar.Add($"Remote content from {address} will always be shown.", Severity.Info);
    }

    /// <summary>The toolbar's switch between one row per message and one row per conversation; saved in the settings.</summary>
    internal async Task SetConversationsAsync(bool on)
    {
        var settings = await Directory.GetSettingsAsync(_accountId, _disposed.Token);
        await Preferences.SaveAsync(_accountId, settings with { GroupByConversation = on }, _disposed.Token);
        PageIndex = 0;
        Selected.Clear();
        await LoadListAsync(showProgress: true);
        if (OpenSummary is { } open)
            await OpenAsync(open.Id);
    }

    /// <summary>Where a row leads: the reading pane, or for a draft the composer that continues it.</summary>
    internal string MessageUrl(MessageSummary message) =>
        Folders.FirstOrDefault(f => f.Id == message.FolderId)?.SpecialUse == SpecialFolder.Drafts
            ? string.Create(CultureInfo.InvariantCulture, $"/compose?draft={message.Id}")
            : string.Create(CultureInfo.InvariantCulture, $"/folder/{message.FolderId}/message/{message.Id}");

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
        await DetachShortcutsAsync();
        // Cancelled, not disposed: a notification already in flight may still read its token.
        await _disposed.CancelAsync();
    }
}
