namespace Webmail.Reading;

/// <summary>Where a pane's data stands: still loading, shown, or failed with a reason to show the user.</summary>
public enum MailboxLoad
{
    Loading,
    Ready,
    Failed,
}
