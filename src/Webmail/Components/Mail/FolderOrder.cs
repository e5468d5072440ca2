using Webmail.Core.Model;

namespace Webmail.Components.Mail;

/// <summary>The folder pane's order: standard folders as mail clients show them, then user folders with their subfolders.</summary>
public static class FolderOrder
{
    private static readonly SpecialFolder[] Standard =
        [SpecialFolder.Inbox, SpecialFolder.Drafts, SpecialFolder.Sent, SpecialFolder.Archive, SpecialFolder.Junk, SpecialFolder.Trash];

    /// <summary>Each folder with its depth (0 for top level).</summary>
    public static IReadOnlyList<(Folder Folder, int Depth)> Arrange(IReadOnlyList<Folder> folders)
    {
        var result = new List<(Folder, int)>();
        foreach (var special in Standard)
            foreach (var folder in folders.Where(f => f.SpecialUse == special && f.ParentId is null))
                Add(folder, 0);
        foreach (var folder in folders.Where(f => f.SpecialUse == SpecialFolder.None && f.ParentId is null).OrderBy(f => f.Name, StringComparer.CurrentCultureIgnoreCase))
            Add(folder, 0);
        // Anything left (a child whose parent is missing) is still shown.
        foreach (var folder in folders.Where(f => result.All(r => r.Item1.Id != f.Id)))
            result.Add((folder, 0));
        return result;

        void Add(Folder folder, int depth)
        {
            result.Add((folder, depth));
            foreach (var child in folders.Where(f => f.ParentId == folder.Id).OrderBy(f => f.Name, StringComparer.CurrentCultureIgnoreCase))
                Add(child, depth + 1);
        }
    }

    public static string Icon(SpecialFolder special) => special switch
    {
        SpecialFolder.Inbox => MudBlazor.Icons.Material.Outlined.Inbox,
        SpecialFolder.Sent => MudBlazor.Icons.Material.Outlined.Send,
        SpecialFolder.Drafts => MudBlazor.Icons.Material.Outlined.InsertDriveFile,
        SpecialFolder.Trash => MudBlazor.Icons.Material.Outlined.Delete,
        SpecialFolder.Junk => MudBlazor.Icons.Material.Outlined.Report,
        SpecialFolder.Archive => MudBlazor.Icons.Material.Outlined.Archive,
        _ => MudBlazor.Icons.Material.Outlined.Folder,
    };
}
