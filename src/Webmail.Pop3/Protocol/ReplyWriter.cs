using Webmail.Pop3.Net;

namespace Webmail.Pop3.Protocol;

/// <summary>
/// Writes status lines (RFC 1939 §3: <c>+OK</c> / <c>-ERR</c>) and counts consecutive failures,
/// so that a client sending nothing but bad commands can be disconnected.
/// </summary>
public sealed class ReplyWriter(Pop3Connection connection)
{
    /// <summary>Consecutive <c>-ERR</c> replies after which the session ends.</summary>
    public const int MaxConsecutiveErrors = 20;

    public Pop3Connection Connection { get; } = connection;

    public int ConsecutiveErrors { get; private set; }

    /// <summary>True once the client has earned <see cref="MaxConsecutiveErrors"/> failures in a row.</summary>
    public bool TooManyErrors => ConsecutiveErrors >= MaxConsecutiveErrors;

    public void Ok(string text = "")
    {
        ConsecutiveErrors = 0;
        Connection.WriteLine(text.Length == 0 ? "+OK" : "+OK " + text);
    }

    /// <summary>Writes <c>-ERR</c>; the 20th in a row says the connection is closing instead.</summary>
    public void Err(string text)
    {
        ConsecutiveErrors++;
        Connection.WriteLine(TooManyErrors ? "-ERR Too many bad commands, closing connection" : "-ERR " + text);
    }

    /// <summary>A line of a multi-line response (no status).</summary>
    public void Line(string text) => Connection.WriteLine(text);

    /// <summary>The end of a multi-line response.</summary>
    public void End() => Connection.Write(".\r\n"u8);
}
