using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Components;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Settings;

namespace Webmail.Reading;

/// <summary>
/// The mailbox page's state and the rules behind it, one per circuit: the folder, the list page (or
/// search results), the selection, the open message (or conversation), the keyboard cursor, and
/// what each action does to the store (with Undo for moves). The panes render it and call its
/// methods; the page (<see cref="IMailboxPage"/>) asks, tells and re-renders for it.
/// </summary>
/// <remarks>
/// Every store call carries the signed-in account's id and the page's lifetime token given to
/// <see cref="StartAsync"/>, so closing the page cancels what it started. The URL stays the record
/// of the folder and the open message: actions that change them (closing the message after a move,
/// a new folder, j / k with a message open) navigate, and the page hands the route back through
/// <see cref="ShowAsync"/>.
/// <para>
/// Loads overlap: a live update's refresh, a folder change, a page, a search and an opened message each
/// start one, and under load they finish in any order. The folder list, the message list and the open
/// message each keep a <see cref="LoadSequence"/>, so an older load that finishes last never replaces
/// what a newer one showed (the previous folder's messages under the new folder's name, the message
/// j / k left behind in the reading pane).
/// </para>
/// </remarks>
public sealed partial class MailboxState(IMailboxReader store, IMailboxWriter changes, IDirectoryStore directory, UserPreferences preferences, NavigationManager navigation,
    IOptionsMonitor<WebmailOptions>? options = null)
{
    public const int PageSize = 50;

    /// <summary>Our authserv-id in <c>Authentication-Results</c> (RFC 8601): the server's host name.</summary>
    private string AuthservId => options?.CurrentValue.Hostname ?? "localhost";

    private readonly HashSet<long> _selected = [];
    private readonly LoadSequence _folderLoads = new();
    private readonly LoadSequence _listLoads = new();
    private readonly LoadSequence _opens = new();
    private IMailboxPage? _page;
    private CancellationToken _closing;
    private long _accountId;

    public IReadOnlyList<Folder> Folders { get; private set; } = [];

    /// <summary>The folder shown; null when the URL names one that does not exist.</summary>
    public Folder? Current { get; private set; }

    public Page<MessageSummary>? Messages { get; private set; }

    /// <summary>The list grouped by conversation (instead of <see cref="Messages"/>) when <see cref="Conversations"/> is on.</summary>
    public Page<ConversationSummary>? Threads { get; private set; }

    public Core.Model.Account? Account { get; private set; }
    public MailboxLoad ListState { get; private set; } = MailboxLoad.Loading;
    public string? ListError { get; private set; }
    public int PageIndex { get; private set; }
    public MessageSort Sort { get; private set; } = MessageSort.DateDescending;

    /// <summary>What the search box holds (bound to it); searched on <see cref="SearchAsync"/>.</summary>
    public string SearchText { get; set; } = "";

    /// <summary>Search covers every folder (the default) or only the current one.</summary>
    public bool SearchAllFolders { get; set; } = true;
    public SearchQuery? ActiveSearch { get; private set; }

    /// <summary>The search results' highlighted subjects and snippets, by message id.</summary>
    public IReadOnlyDictionary<long, SearchMarks> Marks { get; private set; } = new Dictionary<long, SearchMarks>();

    /// <summary>The last move's Undo (the snackbar's, or z), until it is used or another move replaces it.</summary>
    public MoveUndo? LastUndo { get; private set; }
    public IReadOnlySet<long> Selected => _selected;

    /// <summary>The message the URL names, open or not (it may not exist).</summary>
    public long? MessageId { get; private set; }

    public MessageSummary? OpenSummary { get; private set; }
    public MessageContent? OpenContent { get; private set; }
    public MailboxLoad ReadState { get; private set; } = MailboxLoad.Ready;

    /// <summary>The open conversation's messages, oldest first (conversation view only).</summary>
    public IReadOnlyList<ConversationMessage> OpenThread { get; private set; } = [];

    /// <summary>Where the open conversation starts reading: its first message that was unread, else its latest; null without a conversation.</summary>
    public long? FirstUnreadInThread =>
        OpenThread.Count == 0 ? null : (OpenThread.FirstOrDefault(m => m.WasUnread) ?? OpenThread[^1]).Summary.Id;

    /// <summary>The message row being dragged, dropped on a folder by <see cref="DropOnFolderAsync"/>.</summary>
    public long? DraggedMessageId { get; set; }

    public AccountSettings Settings => preferences.Current;

    /// <summary>The user's time zone: every time on the page is shown in it.</summary>
    public TimeZoneInfo Zone => preferences.Zone;

    /// <summary>A list date in the user's zone (see <see cref="MailDates.Short"/>).</summary>
    public string ShortDate(DateTimeOffset instant) => MailDates.Short(instant, Zone, DateTimeOffset.UtcNow);

    /// <summary>A reading-pane date in the user's zone.</summary>
    public string FullDate(DateTimeOffset instant) => MailDates.Full(instant, Zone);

    /// <summary>The list shows one row per conversation: the setting is on and this is a folder, not search results.</summary>
    public bool Conversations => Settings.GroupByConversation && ActiveSearch is null;

    public string Title => ActiveSearch is not null ? "Search results" : Current?.Name ?? "Mail";

    /// <summary>Every message id on the current page (each conversation's messages in the folder).</summary>
    public IEnumerable<long> ListedMessageIds =>
        Threads?.Items.SelectMany(t => t.MessageIds) ?? Messages?.Items.Select(m => m.Id) ?? [];

    /// <summary>The message each row opens, top to bottom (a conversation opens at its latest message).</summary>
    public IReadOnlyList<MessageSummary> Rows =>
        Threads?.Items.Select(t => t.Latest).ToList() ?? (IReadOnlyList<MessageSummary>?)Messages?.Items ?? [];

    /// <summary>
    /// Starts afresh for a page showing <paramref name="accountId"/>'s mail: the INBOX's first page,
    /// nothing selected or searched, as when the page was first opened.
    /// </summary>
    /// <param name="cancellationToken">The page's lifetime: cancelled when it closes.</param>
    public async Task StartAsync(long accountId, IMailboxPage page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        _accountId = accountId;
        _page = page;
        _closing = cancellationToken;
        Folders = [];
        Current = null;
        Messages = null;
        Threads = null;
        Account = null;
        ListState = MailboxLoad.Loading;
        ListError = null;
        PageIndex = 0;
        Sort = MessageSort.DateDescending;
        SearchText = "";
        SearchAllFolders = true;
        ActiveSearch = null;
        Marks = new Dictionary<long, SearchMarks>();
        LastUndo = null;
        _anchorRowId = null;
        _selected.Clear();
        MessageId = null;
        OpenSummary = null;
        OpenContent = null;
        ReadState = MailboxLoad.Ready;
        OpenThread = [];
        DraggedMessageId = null;
        CursorId = null;
        Answering = null;
        await preferences.LoadAsync(accountId, cancellationToken);
        // The zone the browser reports once the page is live (and a theme or density saved elsewhere) re-renders the times.
        preferences.Changed -= Changed;
        preferences.Changed += Changed;
    }

    /// <summary>The page closed: nothing is asked, told or rendered any more.</summary>
    public void Stop(IMailboxPage page)
    {
        if (ReferenceEquals(_page, page))
        {
            _page = null;
            preferences.Changed -= Changed;
        }
    }

    /// <summary>Shows what the URL names: a folder (the INBOX when none) and perhaps an open message.</summary>
    public async Task ShowAsync(long? folderId, long? messageId)
    {
        var folderChanged = Current is null || (folderId is { } f && f != Current.Id);
        if (folderChanged || Folders.Count == 0)
        {
            await LoadFoldersAsync();
            Current = folderId is { } id ? Folders.FirstOrDefault(x => x.Id == id) : Folders.FirstOrDefault(x => x.SpecialUse == SpecialFolder.Inbox);
            if (folderChanged)
            {
                PageIndex = 0;
                _selected.Clear();
                if (ActiveSearch is not null && !SearchAllFolders)
                    ActiveSearch = null;
                await LoadListAsync(showProgress: true);
            }
        }
        ForgetAnswerUnlessFor(messageId);
        MessageId = messageId;
        if (messageId != OpenSummary?.Id)
            await OpenAsync(messageId);
    }

    /// <summary>Reloads folders, the list and the open message's flags and keywords quietly (live updates, after an action).</summary>
    public async Task RefreshAsync()
    {
        await LoadFoldersAsync();
        await LoadListAsync(showProgress: false);
        // Another door (IMAP, another tab) may have changed the open message's flags or keywords; its
        // content does not change. A message moved away meanwhile stays shown as it was, and one that
        // was closed or replaced by another meanwhile is not brought back.
        if (OpenSummary is { } open && await store.GetSummaryAsync(_accountId, open.Id, _closing) is { } fresh && OpenSummary?.Id == fresh.Id)
            OpenSummary = fresh;
        Changed();
    }

    /// <summary>The Refresh button: reloads the list, showing progress.</summary>
    public async Task ReloadListAsync()
    {
        await LoadListAsync(showProgress: true);
        Changed();
    }

    /// <summary>The message if it is new mail in the INBOX (the one folder that raises a desktop notification).</summary>
    public async Task<MessageSummary?> FindNewInboxMessageAsync(long messageId)
    {
        var summary = await store.GetSummaryAsync(_accountId, messageId, _closing);
        return summary is not null && Folders.FirstOrDefault(f => f.Id == summary.FolderId)?.SpecialUse == SpecialFolder.Inbox ? summary : null;
    }

    public async Task ChangeSortAsync(MessageSort sort)
    {
        Sort = sort;
        PageIndex = 0;
        await LoadListAsync(showProgress: true);
        Changed();
    }

    public async Task GoToPageAsync(int pageIndex)
    {
        PageIndex = Math.Max(0, pageIndex);
        _selected.Clear();
        await LoadListAsync(showProgress: true);
        Changed();
    }

    /// <summary>Searches <see cref="SearchText"/> in this folder, or all of them; empty text shows the folder again.</summary>
    public async Task SearchAsync()
    {
        var query = SearchQuery.Parse(SearchText, SearchAllFolders ? null : Current?.Id, Zone);
        if (query.FolderName is { } name)
        {
            // in:Name — a folder of this account by its name (INBOX is the Inbox); none: nothing matches.
            var folder = Folders.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? Folders.FirstOrDefault(f => f.SpecialUse == SpecialFolder.Inbox) : null);
            query = query with { FolderId = folder?.Id ?? -1 };
        }
        ActiveSearch = query.IsEmpty ? null : query;
        PageIndex = 0;
        _selected.Clear();
        await LoadListAsync(showProgress: true);
        Changed();
    }

    /// <summary>The search options panel: its fields become the search box's text, which is searched (the trailing space: every word is whole).</summary>
    public Task SearchWithAsync(SearchFilters filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        SearchText = filters.ToSearchText() is { Length: > 0 } text ? text + " " : "";
        if (filters.Folder is null)
            SearchAllFolders = true;
        return SearchText.Length == 0 ? ClearSearchAsync() : SearchAsync();
    }

    public async Task ClearSearchAsync()
    {
        SearchText = "";
        ActiveSearch = null;
        Marks = new Dictionary<long, SearchMarks>();
        PageIndex = 0;
        await LoadListAsync(showProgress: true);
        Changed();
    }

    public void ToggleSelected(long id, bool selected)
    {
        if (selected)
            _selected.Add(id);
        else
            _selected.Remove(id);
    }

    /// <summary>Selects every message on this page, or none.</summary>
    public void SelectAll(bool selected)
    {
        _selected.Clear();
        if (selected)
            _selected.UnionWith(ListedMessageIds);
    }

    /// <summary>Back to the list: the URL of the folder, without the message.</summary>
    public void CloseMessage() => navigation.NavigateTo(FolderUrl(Current?.Id ?? OpenSummary?.FolderId ?? 0));

    /// <summary>The toolbar's switch between one row per message and one row per conversation; saved in the settings.</summary>
    public async Task SetConversationsAsync(bool on)
    {
        var settings = await directory.GetSettingsAsync(_accountId, _closing);
        await preferences.SaveAsync(_accountId, settings with { GroupByConversation = on }, _closing);
        PageIndex = 0;
        _selected.Clear();
        await LoadListAsync(showProgress: true);
        if (OpenSummary is { } open)
            await OpenAsync(open.Id);
        Changed();
    }

    /// <summary>Remote content may load without asking: the setting says always, or the sender is trusted (never: not even then).</summary>
    public bool RemoteAllowed(MessageSummary message) =>
        Settings.RemoteContent == "always"
        || Settings.RemoteContent == "ask" && Settings.TrustedSenders.Contains(message.FromAddress, StringComparer.OrdinalIgnoreCase);

    /// <summary>"Always show from {sender}": adds the address to the account's trusted senders.</summary>
    public async Task TrustSenderAsync(string address)
    {
        if (string.IsNullOrEmpty(address))
            return;
        var settings = await directory.GetSettingsAsync(_accountId, _closing);
        if (!settings.TrustedSenders.Contains(address, StringComparer.OrdinalIgnoreCase))
            await preferences.SaveAsync(_accountId, settings with { TrustedSenders = [.. settings.TrustedSenders, address] }, _closing);
        Tell(new MailboxNotice($"Remote content from {address} will always be shown.", MailboxNoticeKind.Info));
    }

    /// <summary>Where a row leads: the reading pane, or for a draft the composer that continues it.</summary>
    public string MessageUrl(MessageSummary message) =>
        Folders.FirstOrDefault(f => f.Id == message.FolderId)?.SpecialUse == SpecialFolder.Drafts
            ? string.Create(CultureInfo.InvariantCulture, $"/compose?draft={message.Id}")
            : string.Create(CultureInfo.InvariantCulture, $"/folder/{message.FolderId}/message/{message.Id}");

    public static string FolderUrl(long folderId) => string.Create(CultureInfo.InvariantCulture, $"/folder/{folderId}");

    /// <summary>The composer reads these query parameters (replyTo, replyAllTo, forward).</summary>
    public static string ComposeUrl(string mode, long id) => $"/compose?{mode}={id.ToString(CultureInfo.InvariantCulture)}";

    public static string DisplaySender(MessageSummary message) =>
        string.IsNullOrWhiteSpace(message.FromName) ? message.FromAddress : message.FromName;

    /// <summary>Sent and Drafts are about whom the mail goes to: their rows name the recipients.</summary>
    public bool ShowsRecipients(MessageSummary message) =>
        Folders.FirstOrDefault(f => f.Id == message.FolderId)?.SpecialUse is SpecialFolder.Sent or SpecialFolder.Drafts;

    /// <summary>A draft: stored in Drafts or carrying \Draft.</summary>
    public bool IsDraft(MessageSummary message) =>
        message.Flags.HasFlag(MessageFlags.Draft) || Folders.FirstOrDefault(f => f.Id == message.FolderId)?.SpecialUse == SpecialFolder.Drafts;

    /// <summary>The folder a search result is in, by name (search covers every folder).</summary>
    public string FolderNameOf(MessageSummary message) => Folders.FirstOrDefault(f => f.Id == message.FolderId)?.Name ?? "";

    /// <summary>A row's people: "To: Carol, Bob" in Sent and Drafts (the recipients' names, else addresses), else the sender.</summary>
    public string RowPeople(MessageSummary message) =>
        ShowsRecipients(message) ? "To: " + RecipientNames(message.To) : DisplaySender(message);

    internal static string RecipientNames(string to)
    {
        if (!MimeKit.InternetAddressList.TryParse(to, out var list) || list.Mailboxes.FirstOrDefault() is null)
            return string.IsNullOrWhiteSpace(to) ? "(no recipients)" : to;
        return string.Join(", ", list.Mailboxes.Select(m => string.IsNullOrWhiteSpace(m.Name) ? m.Address : m.Name));
    }

    /// <summary>Reloads the folders; when it returns, <see cref="Folders"/> is at least as fresh as this load.</summary>
    private async Task LoadFoldersAsync()
    {
        var load = _folderLoads.Begin();
        var folders = await store.GetFoldersAsync(_accountId, _closing);
        var account = await directory.GetAccountAsync(_accountId, _closing);
        // A load that started later and finished first already showed newer counts.
        if (!_folderLoads.TryShow(load))
            return;
        Folders = folders;
        Account = account;
        if (Current is not null)
            Current = Folders.FirstOrDefault(f => f.Id == Current.Id) ?? Current;
    }

    /// <summary>
    /// Loads the list for the folder, page, sort and search as they are now. A later call supersedes this
    /// one: its result is dropped, since the folder or page it was for may no longer be the one shown.
    /// </summary>
    private async Task LoadListAsync(bool showProgress)
    {
        var load = _listLoads.Begin();
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
            Page<ConversationSummary>? threads = null;
            Page<MessageSummary>? messages = null;
            IReadOnlyDictionary<long, SearchMarks> marks = new Dictionary<long, SearchMarks>();
            if (Conversations)
                threads = await store.ListConversationsAsync(_accountId, Current!.Id, PageIndex, PageSize, _closing);
            else
            {
                messages = ActiveSearch is { } query
                    ? await store.SearchAsync(_accountId, query, PageIndex, PageSize, _closing)
                    : await store.ListAsync(_accountId, Current!.Id, PageIndex, PageSize, Sort, _closing);
                if (ActiveSearch is { } searched)
                    marks = await store.HighlightAsync(searched, messages.Items, _closing);
            }
            if (!_listLoads.IsLatest(load))
                return;
            Threads = threads;
            Messages = messages;
            Marks = marks;
            _selected.IntersectWith(ListedMessageIds);
            ListState = MailboxLoad.Ready;
        }
        catch (StoreException e)
        {
            if (!_listLoads.IsLatest(load))
                return;
            ListState = MailboxLoad.Failed;
            ListError = "The messages could not be loaded: " + e.Message;
        }
    }

    /// <summary>Opens the message (null: none). A later call supersedes this one, whose result is then dropped.</summary>
    private async Task OpenAsync(long? messageId)
    {
        var open = _opens.Begin();
        OpenSummary = null;
        OpenContent = null;
        OpenThread = [];
        if (messageId is not { } id)
        {
            // An open this one superseded may have left its progress showing.
            ReadState = MailboxLoad.Ready;
            return;
        }
        ReadState = MailboxLoad.Loading;
        var summary = await store.GetSummaryAsync(_accountId, id, _closing);
        var raw = summary is null ? null : await store.GetRawAsync(_accountId, id, _closing);
        if (!_opens.IsLatest(open))
            return;
        if (summary is null || raw is null)
        {
            ReadState = MailboxLoad.Failed;
            return;
        }
        var content = MessageReader.Read(id, MessageReader.Load(raw), AuthservId);
        IReadOnlyList<ConversationMessage> thread = Conversations ? await LoadThreadAsync(summary, content) : [];
        // A conversation of one message reads as that message.
        if (thread.Count == 1)
            thread = [];
        if (!_opens.IsLatest(open))
            return;
        OpenSummary = summary;
        OpenContent = content;
        OpenThread = thread;
        ReadState = MailboxLoad.Ready;
        var unread = OpenThread.Count > 0 ? OpenThread.Where(m => !m.Summary.IsSeen).Select(m => m.Summary.Id).ToList() : summary.IsSeen ? [] : [id];
        if (Settings.MarkSeenOnOpen && unread.Count > 0)
        {
            await changes.SetFlagsAsync(_accountId, unread, MessageFlags.Seen, set: true, _closing);
            if (!_opens.IsLatest(open))
                return;
            OpenSummary = summary with { Flags = summary.Flags | MessageFlags.Seen };
            foreach (var message in OpenThread.Where(m => unread.Contains(m.Summary.Id)))
                message.Summary = message.Summary with { Flags = message.Summary.Flags | MessageFlags.Seen };
        }
    }

    private void Changed() => _page?.StateChanged();

    private void Tell(MailboxNotice notice) => _page?.Show(notice);

    /// <summary>Without a page to ask, nothing irreversible happens.</summary>
    private Task<bool> AskAsync(Confirmation question) => _page?.ConfirmAsync(question) ?? Task.FromResult(false);
}
