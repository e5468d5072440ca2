using System.Collections.Concurrent;
using System.Diagnostics;

namespace Webmail.Benchmarks;

/// <summary>
/// What the server answered for one account in an <c>imap-load</c> run, the record the checks
/// compare the store with: Message-IDs whose SMTP DATA got 250, those whose transaction a kill cut
/// off (either outcome is right), APPENDs answered OK with their APPENDUID, and which messages every
/// IDLE session of the account has seen (only those may be archived by the browser, so that
/// "every session in IDLE saw every message" stays exact).
/// </summary>
internal sealed class AccountLedger(int index, string user, int idleSessions)
{
    private readonly ConcurrentDictionary<string, int> _seenBy = new();
    private readonly ConcurrentQueue<string> _archivable = new();

    public int Index { get; } = index;
    public string User { get; } = user;

    /// <summary>Message-ID → Stopwatch timestamp of the 250.</summary>
    public ConcurrentDictionary<string, long> Delivered { get; } = new();

    public ConcurrentDictionary<string, byte> SmtpUncertain { get; } = new();

    /// <summary>Message-ID → the UID APPENDUID named.</summary>
    public ConcurrentDictionary<string, long> Appended { get; } = new();

    public ConcurrentDictionary<string, byte> AppendUncertain { get; } = new();

    /// <summary>Message-IDs the browser archived (moved out of INBOX).</summary>
    public ConcurrentQueue<string> Archived { get; } = new();

    /// <summary>The Message-ID of the last message accepted (what the browser searches for).</summary>
    public string? LastDelivered { get; private set; }

    public void SmtpAccepted(string messageId)
    {
        Delivered[messageId] = Stopwatch.GetTimestamp();
        SmtpUncertain.TryRemove(messageId, out _);
        LastDelivered = messageId;
    }

    /// <summary>An IDLE session of the account learnt <paramref name="messageId"/> for the first time.</summary>
    public void SeenByIdleSession(string messageId)
    {
        if (_seenBy.AddOrUpdate(messageId, 1, (_, n) => n + 1) == idleSessions)
            _archivable.Enqueue(messageId);
    }

    /// <summary>A message every IDLE session of the account has seen, for the browser to archive (with no IDLE sessions, any delivered one).</summary>
    public bool TryTakeArchivable(out string messageId)
    {
        if (idleSessions == 0)
        {
            messageId = Delivered.Keys.FirstOrDefault(id => _seenBy.TryAdd(id, 0)) ?? "";
            return messageId.Length > 0;
        }
        return _archivable.TryDequeue(out messageId!);
    }

    /// <summary>
    /// The word in the subject of the message with <paramref name="messageId"/> (one search token). It ends in a letter
    /// no id holds, so no token is the start of another: the web search matches its last word as a prefix, and
    /// "qs2x28" also found "qs2x282" (a newer message, which the browser then archived before the IDLE sessions saw it).
    /// </summary>
    public static string Token(string messageId) => "q" + messageId.Replace('.', 'x') + "z";
}
