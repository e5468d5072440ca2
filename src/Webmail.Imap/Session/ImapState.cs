namespace Webmail.Imap.Session;

/// <summary>The session states of RFC 9051 §3.</summary>
public enum ImapState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}
