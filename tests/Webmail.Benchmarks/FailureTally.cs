using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Webmail.Benchmarks;

/// <summary>
/// Failures of a load run counted by kind: real errors apart from the server's deliberate
/// "too many connections" refusals (a limit doing its job). Safe to use from every load loop.
/// </summary>
internal sealed class FailureTally
{
    public ConcurrentDictionary<string, int> Errors { get; } = new();
    public ConcurrentDictionary<string, int> Limits { get; } = new();

    /// <summary>Counts a failure of <paramref name="protocol"/> under a short description of <paramref name="e"/>.</summary>
    public void Record(string protocol, Exception e)
    {
        var kind = e switch
        {
            ReplyException r => $"{protocol} reply \"{Shorten(r.Reply)}\"",
            SocketException s => $"{protocol} socket {s.SocketErrorCode}",
            OperationCanceledException => $"{protocol} still waiting a minute after the end",
            // Playwright's message is a line and a call log; the log's last step says what it waited for.
            _ => $"{protocol} {e.GetType().Name}: {Shorten(string.Join(" ", e.Message.Split('\n').Where(l => !l.StartsWith("Call log", StringComparison.Ordinal)).Take(2)))}",
        };
        var deliberate = e is ReplyException { Reply: var reply } && reply.Contains("Too many connections", StringComparison.OrdinalIgnoreCase);
        Add(deliberate ? Limits : Errors, kind);
    }

    /// <summary>Counts an error already described.</summary>
    public void RecordError(string kind) => Add(Errors, kind);

    /// <summary><c>n × kind; …</c>, most frequent first, or <c>none</c>.</summary>
    public static string Describe(ConcurrentDictionary<string, int> counts) =>
        counts.IsEmpty ? "none" : string.Join("; ", counts.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Value} × {kv.Key}"));

    private static void Add(ConcurrentDictionary<string, int> counts, string kind) => counts.AddOrUpdate(kind, 1, (_, n) => n + 1);

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..70] + "…";
}
