namespace Webmail.Core.Model;

/// <summary>The standard folders every account has (RFC 6154 special-use names).</summary>
public enum SpecialFolder
{
    None = 0,
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}
