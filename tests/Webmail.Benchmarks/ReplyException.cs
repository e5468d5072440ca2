namespace Webmail.Benchmarks;

/// <summary>A protocol reply other than the one a load client expected (an SMTP code, a POP3 <c>-ERR</c>); the caller decides whether it is a deliberate limit.</summary>
internal sealed class ReplyException(string reply) : Exception($"unexpected reply: {reply}")
{
    /// <summary>The reply line as the server sent it (without CRLF).</summary>
    public string Reply { get; } = reply;
}
