using System.Text;
using Webmail.Core.Model;

namespace Webmail.Mail.Transfer;

/// <summary>
/// Google Takeout's <c>X-Gmail-Labels</c> (a comma-separated list; a label with a comma is quoted): Inbox,
/// Sent, Drafts, Trash and Spam go to the standard folders; <c>Opened</c> (read) → \Seen, <c>Unread</c> → not
/// \Seen, <c>Starred</c> → \Flagged; Gmail's own (Important, Archived, Category …, Chat) name no folder; every
/// other label is a folder (<c>Work/Clients</c> nested). A message with no folder label was archived in
/// Gmail, so it goes to Archive. A message with two folder labels is stored in both (Gmail keeps one copy
/// under two labels).
/// </summary>
public static class GmailLabels
{
    public const string Header = "X-Gmail-Labels";

    private static readonly Dictionary<string, SpecialFolder> Standard = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Inbox"] = SpecialFolder.Inbox,
        ["Sent"] = SpecialFolder.Sent,
        ["Drafts"] = SpecialFolder.Drafts,
        ["Draft"] = SpecialFolder.Drafts,
        ["Trash"] = SpecialFolder.Trash,
        ["Spam"] = SpecialFolder.Junk,
    };

    private static readonly HashSet<string> SystemLabels = new(StringComparer.OrdinalIgnoreCase)
    {
        "Important", "Archived", "Chat", "Opened", "Unread", "Starred", "All Mail",
    };

    public sealed record Mapping(IReadOnlyList<ImportFolder> Folders, MessageFlags Flags);

    public static Mapping Map(string header)
    {
        var folders = new List<ImportFolder>();
        var flags = MessageFlags.Seen;
        foreach (var label in Split(header))
        {
            if (label.Equals("Unread", StringComparison.OrdinalIgnoreCase))
                flags &= ~MessageFlags.Seen;
            else if (label.Equals("Starred", StringComparison.OrdinalIgnoreCase))
                flags |= MessageFlags.Flagged;
            if (Standard.TryGetValue(label, out var special))
            {
                if (special == SpecialFolder.Drafts)
                    flags |= MessageFlags.Draft;
                folders.Add(ImportFolder.Standard(special));
            }
            else if (!SystemLabels.Contains(label) && !label.StartsWith("Category ", StringComparison.OrdinalIgnoreCase) && label.Length > 0)
                folders.Add(ImportFolder.Named(label));
        }
        if (folders.Count == 0)
            folders.Add(ImportFolder.Standard(SpecialFolder.Archive));
        return new Mapping(folders.Distinct().ToList(), flags);
    }

    /// <summary>The labels, unquoted and with encoded words decoded (Takeout writes non-ASCII labels as RFC 2047 words).</summary>
    public static List<string> Split(string header)
    {
        var decoded = MimeKit.Utils.Rfc2047.DecodeText(Encoding.UTF8.GetBytes(header.Replace("\r", "").Replace("\n", "")));
        var labels = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in decoded)
        {
            if (c == '"')
                quoted = !quoted;
            else if (c == ',' && !quoted)
            {
                labels.Add(current.ToString().Trim());
                current.Clear();
            }
            else
                current.Append(c);
        }
        labels.Add(current.ToString().Trim());
        return labels.Where(l => l.Length > 0).ToList();
    }
}
