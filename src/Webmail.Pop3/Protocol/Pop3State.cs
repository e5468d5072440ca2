namespace Webmail.Pop3.Protocol;

/// <summary>The states of a POP3 session (RFC 1939 §3).</summary>
public enum Pop3State
{
    /// <summary>Greeting sent; the client identifies itself (USER/PASS, AUTH) and may switch to TLS (STLS).</summary>
    Authorization,
    /// <summary>The maildrop is locked and snapshotted; the client reads and marks messages.</summary>
    Transaction,
    /// <summary>After QUIT in TRANSACTION: the marks are applied in one store transaction, then the connection closes.</summary>
    Update,
}
