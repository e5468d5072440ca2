using MudBlazor;
using Webmail.Core.Model;
using Webmail.Core.Storage;

namespace Webmail.Components.Mail;

/// <summary>What the user can do to messages and folders: flags, move (with undo), delete to Trash (with undo), empty, folder management.</summary>
public sealed partial class Mailbox
{
    /// <summary>The selected messages, or the open one (conversation) when nothing is selected.</summary>
    internal IReadOnlyList<long> Targets(long? single = null) =>
        single is { } id ? [id] : Selected.Count > 0 ? [.. Selected] : OpenTargets();

    internal async Task SetFlagAsync(IReadOnlyList<long> ids, MessageFlags flag, bool set)
    {
        if (ids.Count == 0)
            return;
        await Changes.SetFlagsAsync(_accountId, ids, flag, set, _disposed.Token);
        if (OpenSummary is { } open && ids.Contains(open.Id))
            OpenSummary = open with { Flags = set ? open.Flags | flag : open.Flags & ~flag };
        await RefreshAsync();
    }

    internal Task MoveToSpecialAsync(IReadOnlyList<long> ids, SpecialFolder special) =>
        Folders.FirstOrDefault(f => f.SpecialUse == special) is { } target ? MoveAsync(ids, target) : Task.CompletedTask;

    /// <summary>Moves messages and offers Undo, which puts each back in the folder it came from.</summary>
    internal async Task MoveAsync(IReadOnlyList<long> ids, Folder target, string? verb = null)
    {
        if (ids.Count == 0)
            return;
        var origins = new Dictionary<long, long>();
        foreach (var id in ids)
        {
            var folder = Messages?.Items.FirstOrDefault(m => m.Id == id)?.FolderId
                ?? (OpenSummary?.Id == id ? OpenSummary.FolderId : (await Store.GetSummaryAsync(_accountId, id, _disposed.Token))?.FolderId);
            if (folder is { } f && f != target.Id)
                origins[id] = f;
        }
        if (origins.Count == 0)
            return;
        try
        {
            await Changes.MoveAsync(_accountId, origins.Keys.ToList(), target.Id, _disposed.Token);
        }
        catch (StoreException e)
        {
            Snackbar.Add("The messages could not be moved: " + e.Message, Severity.Error);
            return;
        }
        Selected.ExceptWith(origins.Keys);
        var closeOpen = OpenSummary is { } open && origins.ContainsKey(open.Id);
        var text = $"{Count(origins.Count)} {verb ?? "moved to " + target.Name}.";
        Snackbar.Add(text, Severity.Normal, options =>
        {
            options.Action = "Undo";
            options.ActionColor = Color.Primary;
            options.OnClick = _ => InvokeAsync(() => UndoMoveAsync(origins));
        });
        if (closeOpen)
            CloseMessage();
        await RefreshAsync();
    }

    private async Task UndoMoveAsync(Dictionary<long, long> origins)
    {
        foreach (var group in origins.GroupBy(o => o.Value))
            await Changes.MoveAsync(_accountId, group.Select(g => g.Key).ToList(), group.Key, _disposed.Token);
        Snackbar.Add("Undone.", Severity.Normal);
        await RefreshAsync();
        StateHasChanged();
    }

    /// <summary>Delete moves to Trash; in Trash it deletes for good after asking.</summary>
    internal async Task DeleteAsync(IReadOnlyList<long> ids)
    {
        if (ids.Count == 0)
            return;
        var trash = Folders.FirstOrDefault(f => f.SpecialUse == SpecialFolder.Trash);
        if (trash is not null && Current?.Id != trash.Id)
        {
            await MoveAsync(ids, trash, "moved to Trash");
            return;
        }
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete forever?", $"{Count(ids.Count)} will be deleted permanently. This cannot be undone.", yesText: "Delete forever", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await Changes.DeleteAsync(_accountId, ids, _disposed.Token);
        Selected.ExceptWith(ids);
        if (OpenSummary is { } open && ids.Contains(open.Id))
            CloseMessage();
        Snackbar.Add($"{Count(ids.Count)} deleted.", Severity.Normal);
        await RefreshAsync();
    }

    internal async Task EmptyCurrentFolderAsync()
    {
        if (Current is null)
            return;
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Empty {Current.Name}?", $"All {Current.MessageCount:N0} messages in {Current.Name} will be deleted permanently.", yesText: "Empty", cancelText: "Cancel");
        if (confirmed != true)
            return;
        var removed = await Changes.EmptyFolderAsync(_accountId, Current.Id, _disposed.Token);
        Snackbar.Add($"{Count(removed)} deleted.", Severity.Normal);
        Selected.Clear();
        await RefreshAsync();
    }

    /// <summary>A message row dropped on a folder: moves it, or the whole selection when the row was part of it.</summary>
    internal async Task DropOnFolderAsync(Folder target)
    {
        if (DraggedMessageId is not { } id)
            return;
        DraggedMessageId = null;
        await MoveAsync(Selected.Contains(id) ? [.. Selected] : [id], target);
    }

    internal void ToggleSelected(long id, bool selected)
    {
        if (selected)
            Selected.Add(id);
        else
            Selected.Remove(id);
    }

    internal void SelectAll(bool selected)
    {
        Selected.Clear();
        if (selected)
            Selected.UnionWith(ListedMessageIds);
    }

    internal async Task CreateFolderAsync()
    {
        var parents = Folders.Where(f => f.ParentId is null).ToList();
        var parameters = new DialogParameters<FolderNameDialog> { { d => d.Parents, parents }, { d => d.ConfirmText, "Create" } };
        var result = await (await Dialogs.ShowAsync<FolderNameDialog>("New folder", parameters)).Result;
        if (result is not { Canceled: false, Data: FolderNameDialog.Answer answer })
            return;
        try
        {
            var folder = await Changes.CreateFolderAsync(_accountId, answer.Name, answer.ParentId, _disposed.Token);
            await LoadFoldersAsync();
            Navigation.NavigateTo(FolderUrl(folder.Id));
        }
        catch (StoreException e)
        {
            Snackbar.Add("The folder could not be created: " + e.Message, Severity.Error);
        }
    }

    internal async Task RenameFolderAsync(Folder folder)
    {
        var parameters = new DialogParameters<FolderNameDialog> { { d => d.Name, folder.Name }, { d => d.ConfirmText, "Rename" } };
        var result = await (await Dialogs.ShowAsync<FolderNameDialog>($"Rename {folder.Name}", parameters)).Result;
        if (result is not { Canceled: false, Data: FolderNameDialog.Answer answer })
            return;
        try
        {
            await Changes.RenameFolderAsync(_accountId, folder.Id, answer.Name, _disposed.Token);
        }
        catch (StoreException e)
        {
            Snackbar.Add("The folder could not be renamed: " + e.Message, Severity.Error);
        }
        await LoadFoldersAsync();
    }

    internal async Task DeleteFolderAsync(Folder folder)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Delete {folder.Name}?", $"The folder, its subfolders and the {folder.MessageCount:N0} messages in it will be deleted permanently.", yesText: "Delete folder", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Changes.DeleteFolderAsync(_accountId, folder.Id, _disposed.Token);
        }
        catch (StoreException e)
        {
            Snackbar.Add("The folder could not be deleted: " + e.Message, Severity.Error);
            return;
        }
        await LoadFoldersAsync();
        if (Current?.Id == folder.Id || Current?.ParentId == folder.Id)
            Navigation.NavigateTo("/");
    }

    internal async Task EnableNotificationsAsync()
    {
        var permission = await JS.InvokeAsync<string>("webmail.requestNotifications", _disposed.Token, Array.Empty<object?>());
        Snackbar.Add(permission == "granted" ? "Desktop notifications are on." : "The browser did not allow notifications.", permission == "granted" ? Severity.Success : Severity.Warning);
    }

    private async Task RefreshAsync()
    {
        await LoadFoldersAsync();
        await LoadListAsync(showProgress: false);
    }

    private static string Count(int n) => n == 1 ? "1 message" : $"{n:N0} messages";
}
