using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MimeKit;
using MudBlazor;
using Webmail.Auth;
using Webmail.Components.Admin;
using Webmail.Core.Filters;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Components.Settings.Filters;

/// <summary>
/// Settings → Filters: the rules editor, the vacation reply and the raw scripts, over
/// <see cref="FilterRulesService"/> and <see cref="SieveScriptService"/>. <c>?like={messageId}</c>
/// opens a new rule prefilled from that message ("Filter messages like this").
/// </summary>
public sealed partial class FiltersPage
{
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;
    [Inject] private FilterRulesService Rules { get; set; } = default!;
    [Inject] private IDirectoryStore Accounts { get; set; } = default!;
    [Inject] private IMailboxReader Mailbox { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "like")] private string? Like { get; set; }
    [SupplyParameterFromQuery(Name = "tab")] private string? Tab { get; set; }

    private Core.Model.Account? _account;
    private FilterState? _state;
    private FolderPaths? _paths;
    private FilterSuggestion? _suggestion;
    private string? _openScript;
    private int _tab;
    // The user chose to put the rules editor's script in place of one written elsewhere.
    private bool _replace;
    private readonly CancellationTokenSource _closing = new();

    private bool ShowsOtherScript => _state is { Kind: FilterScriptKind.Foreign or FilterScriptKind.EditedElsewhere } && !_replace;

    protected override async Task OnInitializedAsync()
    {
        var id = (await AuthenticationState).User.GetAccountId();
        _account = await Accounts.GetAccountAsync(id, _closing.Token);
        if (_account is null)
            return;
        _tab = Math.Max(0, Array.IndexOf(Tabs, Tab));
        if (long.TryParse(Like, NumberStyles.None, CultureInfo.InvariantCulture, out var messageId)
            && await Mailbox.GetRawAsync(_account.Id, messageId, _closing.Token) is { } raw)
        {
            using var stream = new MemoryStream(raw, writable: false);
            _suggestion = FilterSuggestion.FromMessage(await HeaderList.LoadAsync(stream, _closing.Token));
        }
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _state = await Rules.LoadAsync(_account!.Id, _closing.Token);
        _paths = new FolderPaths(await Mailbox.GetFoldersAsync(_account.Id, _closing.Token));
        // Called from the panels' callbacks too, which re-render only the panel that raised them.
        StateHasChanged();
    }

    /// <summary>Writes the rules (with the vacation reply as it is) and reports; false when nothing was saved.</summary>
    private async Task<bool> SaveAsync(FilterSet set)
    {
        var outcome = await Rules.SaveAsync(_account!.Id, _account.Address, set, _replace, _closing.Token);
        if (!outcome.Saved)
        {
            Snackbar.Add(string.Join(" ", outcome.Problems), Severity.Error);
            // Another program made its script active meanwhile: show that instead of the editor.
            if (outcome.Status == FilterSaveStatus.WouldReplace)
                await ReloadAsync();
            return false;
        }
        _replace = false;
        _suggestion = null;
        // A reload after saving must not open the message's suggestion again.
        if (Like is not null)
            Navigation.NavigateTo("/settings/filters", replace: true);
        await ReloadAsync();
        Snackbar.Add("Filters saved.", Severity.Success);
        return true;
    }

    private Task<bool> SaveVacationAsync(VacationSettings vacation)
    {
        var set = _state!.Set.Clone();
        set.Vacation = vacation.Clone();
        return SaveAsync(set);
    }

    private static readonly string[] Tabs = ["rules", "vacation", "advanced"];

    // The tab is in the address, so a reload or the back button shows the same one.
    private void ShowTab(int index)
    {
        if (index == _tab)
            return;
        _tab = index;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("tab", Tabs[index]), replace: true);
    }

    private void OpenRawEditor()
    {
        _openScript = _state?.ActiveName;
        ShowTab(2);
    }

    private async Task UseEditorAsync()
    {
        var message = $"The rules editor's script becomes the active one in place of \"{_state!.ActiveName}\", from the next save. " +
                      "That script stays stored: make it active again under Advanced.";
        if (await ConfirmDialog.AskAsync(Dialogs, "Use the rules editor", message, "Use the rules editor"))
            _replace = true;
    }

    public void Dispose()
    {
        _closing.Cancel();
        _closing.Dispose();
    }
}
