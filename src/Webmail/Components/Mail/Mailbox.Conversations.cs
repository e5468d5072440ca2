using Webmail.Core.Model;
using Webmail.Reading;

namespace Webmail.Components.Mail;

/// <summary>The conversation view: the open message's whole thread, collapsed except the unread ones and the latest.</summary>
public sealed partial class Mailbox
{
    private async Task LoadThreadAsync(MessageSummary open)
    {
        var thread = await Store.GetThreadAsync(_accountId, open.ThreadKey, _disposed.Token);
        // Replies filed in Sent belong to the conversation; what sits in Trash or Junk does not,
        // unless that is where the conversation was opened.
        var hidden = Folders.Where(f => f.SpecialUse is SpecialFolder.Trash or SpecialFolder.Junk && f.Id != open.FolderId).Select(f => f.Id).ToHashSet();
        var messages = thread.Where(m => m.Id == open.Id || !hidden.Contains(m.FolderId)).Select(m => new ConversationMessage(m)).ToList();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (!message.Summary.IsSeen || i == messages.Count - 1 || message.Summary.Id == open.Id)
                await ExpandAsync(message, message.Summary.Id == open.Id ? OpenContent : null);
        }
        OpenThread = messages;
    }

    private async Task ExpandAsync(ConversationMessage message, MessageContent? known = null)
    {
        if (message.Content is null)
        {
            var raw = known is null ? await Store.GetRawAsync(_accountId, message.Summary.Id, _disposed.Token) : null;
            message.Content = known ?? (raw is null ? null : MessageReader.Read(message.Summary.Id, MessageReader.Load(raw)));
        }
        message.Expanded = message.Content is not null;
    }

    /// <summary>Expands a collapsed message (marking it read when the setting says so) or collapses an expanded one.</summary>
    internal async Task ToggleAsync(ConversationMessage message)
    {
        if (message.Expanded)
        {
            message.Expanded = false;
            return;
        }
        await ExpandAsync(message);
        if (message.Expanded && Settings.MarkSeenOnOpen && !message.Summary.IsSeen)
        {
            await Changes.SetFlagsAsync(_accountId, [message.Summary.Id], MessageFlags.Seen, set: true, _disposed.Token);
            message.Summary = message.Summary with { Flags = message.Summary.Flags | MessageFlags.Seen };
        }
    }

    /// <summary>What the reading pane's actions apply to: the open conversation's messages in this folder, or the open message.</summary>
    internal IReadOnlyList<long> OpenTargets()
    {
        if (OpenSummary is not { } open)
            return [];
        return OpenThread.Count > 0 ? OpenThread.Where(m => m.Summary.FolderId == open.FolderId).Select(m => m.Summary.Id).ToList() : [open.Id];
    }
}
