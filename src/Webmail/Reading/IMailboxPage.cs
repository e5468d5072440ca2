namespace Webmail.Reading;

/// <summary>
/// The page a <see cref="MailboxState"/> is shown on: it asks the user, tells the user and renders.
/// The state decides what to ask and tell; how (a dialog, a snackbar) is the page's business.
/// </summary>
public interface IMailboxPage
{
    /// <summary>Asks before a step that cannot be undone; true to go ahead.</summary>
    Task<bool> ConfirmAsync(Confirmation question);

    /// <summary>Tells the user what happened, offering Undo when the notice carries one.</summary>
    void Show(MailboxNotice notice);

    /// <summary>The state changed outside a render of the page (e.g. an Undo from a snackbar): render it.</summary>
    void StateChanged();
}
