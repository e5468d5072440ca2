using System.Collections.Concurrent;

namespace Webmail.Benchmarks;

/// <summary>What the load loops of one phase of <c>imap-load</c> saw; updated from every loop at once.</summary>
internal sealed class ImapLoadStats
{
    public long SmtpDelivered;
    public long SmtpSkipped;
    public long IdleCatchUps;
    public long Appends;
    public long Stores;
    public long BrowserActions;

    /// <summary>Browser clicks on a message link that left the page on the folder, made again (<see cref="WebCircuit.OpenNewestAsync"/>).</summary>
    public long LostClicks;

    /// <summary>Milliseconds per IMAP command kind (the command's name and what it asked for).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<double>> CommandLatenciesMs { get; } = new();

    /// <summary>SMTP: from MAIL written to the 250 after DATA.</summary>
    public ConcurrentQueue<double> SmtpLatenciesMs { get; } = new();

    /// <summary>SMTP: from the moment the pacer scheduled the message to its 250 (includes waiting for a free sender).</summary>
    public ConcurrentQueue<double> SmtpScheduleLagMs { get; } = new();

    /// <summary>From a message's 250 to the untagged EXISTS that announced it to a session in IDLE (negative: EXISTS first).</summary>
    public ConcurrentQueue<double> IdleNoticeMs { get; } = new();

    public ConcurrentDictionary<string, ConcurrentQueue<double>> BrowserLatenciesMs { get; } = new();

    public FailureTally Failures { get; } = new();

    /// <summary>NO replies the suite asks for on purpose (to show they are counted apart): not errors.</summary>
    public ConcurrentDictionary<string, int> Provoked { get; } = new();

    /// <summary>Work cut off by the suite's own kills: not errors.</summary>
    public ConcurrentDictionary<string, int> Interrupted { get; } = new();

    public void Command(string kind, double milliseconds) =>
        CommandLatenciesMs.GetOrAdd(kind, _ => new ConcurrentQueue<double>()).Enqueue(milliseconds);

    public void Browser(string action, double milliseconds)
    {
        Interlocked.Increment(ref BrowserActions);
        BrowserLatenciesMs.GetOrAdd(action, _ => new ConcurrentQueue<double>()).Enqueue(milliseconds);
    }

    public static void Count(ConcurrentDictionary<string, int> counts, string kind) => counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
}
