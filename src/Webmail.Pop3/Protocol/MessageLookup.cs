namespace Webmail.Pop3.Protocol;

/// <summary>How a message-number argument resolved against the maildrop.</summary>
public enum MessageLookup
{
    Found,
    /// <summary>Not a number at all (<c>1a</c>, <c>-1</c>, <c>+1</c>, empty).</summary>
    Invalid,
    /// <summary>A number, but no message has it (0, past the end, too large to parse).</summary>
    NoSuchMessage,
    /// <summary>The message is marked deleted in this session (RFC 1939 §5: it may not be referred to).</summary>
    Deleted,
}
