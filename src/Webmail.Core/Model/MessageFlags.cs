namespace Webmail.Core.Model;

/// <summary>IMAP system flags (RFC 9051 §2.3.2), stored as a bit mask per message.</summary>
[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}
