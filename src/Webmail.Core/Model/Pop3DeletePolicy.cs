namespace Webmail.Core.Model;

/// <summary>What a POP3 client's DELE does once the session reaches the UPDATE state.</summary>
public enum Pop3DeletePolicy
{
    /// <summary>Remove the message from the server (RFC 1939 behaviour; the default).</summary>
    Delete = 0,
    /// <summary>Move the message to Trash.</summary>
    Trash = 1,
    /// <summary>Leave the message in INBOX, marked \Seen.</summary>
    Keep = 2,
}
