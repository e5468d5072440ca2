namespace Webmail.Reading;

/// <summary>What the mailbox tells the user after an action; a move carries its <see cref="MoveUndo"/>.</summary>
public sealed record MailboxNotice(string Text, MailboxNoticeKind Kind = MailboxNoticeKind.Done, MoveUndo? Undo = null);

/// <summary>How a <see cref="MailboxNotice"/> reads: done, for information, or a failure.</summary>
public enum MailboxNoticeKind
{
    Done,
    Info,
    Failed,
}
