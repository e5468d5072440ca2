using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Webmail.Core.Hosting;

/// <summary>
/// The server's own metrics (meter <c>Webmail</c>), exported at <c>/metrics</c> in Prometheus form
/// (docs/operations.md lists them). One static meter: the instruments are cheap when nobody listens,
/// and the parts that record them (the store's writer, the listeners) are not all made by DI.
/// Names follow OpenTelemetry's conventions; the exporter turns <c>webmail.smtp.messages</c> into
/// <c>webmail_smtp_messages_total</c>.
/// </summary>
public static class WebmailMeter
{
    public const string Name = "Webmail";

    private static readonly Meter Meter = new(Name);

    /// <summary>Sessions started, by <c>protocol</c> (smtp-inbound, smtp-submission, pop3, imap, …).</summary>
    public static readonly Counter<long> SessionsOpened = Meter.CreateCounter<long>("webmail.sessions.opened", "{session}", "Sessions started");

    /// <summary>Sessions open now, by <c>protocol</c>.</summary>
    public static readonly UpDownCounter<long> SessionsActive = Meter.CreateUpDownCounter<long>("webmail.sessions.active", "{session}", "Sessions open now");

    /// <summary>Messages at the end of DATA, by <c>role</c> (inbound, submission) and <c>outcome</c> (accepted, refused, deferred).</summary>
    public static readonly Counter<long> SmtpMessages = Meter.CreateCounter<long>("webmail.smtp.messages", "{message}", "Messages at the end of SMTP DATA");

    /// <summary>Octets of messages accepted, by <c>role</c>.</summary>
    public static readonly Counter<long> SmtpBytes = Meter.CreateCounter<long>("webmail.smtp.accepted", "By", "Octets of messages accepted over SMTP");

    /// <summary>Final replies sent, by <c>role</c> and <c>class</c> (2xx, 3xx, 4xx, 5xx).</summary>
    public static readonly Counter<long> SmtpReplies = Meter.CreateCounter<long>("webmail.smtp.replies", "{reply}", "SMTP replies sent");

    /// <summary>From the end of DATA to the durable commit (or the refusal), by <c>role</c>.</summary>
    public static readonly Histogram<double> DeliveryDuration = Meter.CreateHistogram<double>("webmail.delivery.duration", "s", "End of DATA to the reply");

    /// <summary>Commands run, by <c>protocol</c> (pop3, imap) and <c>command</c>.</summary>
    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("webmail.commands", "{command}", "POP3 and IMAP commands run");

    /// <summary>Failed logins, every door (web, SMTP AUTH, POP3, IMAP) and both steps.</summary>
    public static readonly Counter<long> LoginFailures = Meter.CreateCounter<long>("webmail.logins.failed", "{login}", "Failed logins");

    /// <summary>Addresses banned and accounts paused by the login limiter, by <c>kind</c> (address, account).</summary>
    public static readonly Counter<long> LoginBans = Meter.CreateCounter<long>("webmail.logins.bans", "{ban}", "Bans and pauses by the login limiter");

    /// <summary>Units of work per store commit (the group commit's batch).</summary>
    public static readonly Histogram<long> CommitBatchSize = Meter.CreateHistogram<long>("webmail.store.commit.batch_size", "{unit}", "Units of work per store commit");

    /// <summary>Time a store commit holds the writer, from the first unit to the fsync.</summary>
    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("webmail.store.commit.duration", "s", "Store commit time including the fsync");

    /// <summary>Outbound delivery attempts per recipient, by <c>outcome</c> (delivered, deferred, failed).</summary>
    public static readonly Counter<long> QueueAttempts = Meter.CreateCounter<long>("webmail.queue.attempts", "{recipient}", "Outbound delivery attempts per recipient");

    /// <summary>Failure reports (bounces) sent for outbound mail.</summary>
    public static readonly Counter<long> QueueBounces = Meter.CreateCounter<long>("webmail.queue.bounces", "{message}", "Bounces sent");

    /// <summary>Delivery attempts that did not meet the recipient domain's MTA-STS policy (RFC 8461), by <c>mode</c> (enforce: deferred; testing: delivered anyway).</summary>
    public static readonly Counter<long> MtaStsFailures = Meter.CreateCounter<long>("webmail.queue.mta_sts_failures", "{attempt}", "Outbound attempts that failed an MTA-STS policy");

    /// <summary>Blazor circuits (signed-in browser tabs) open now.</summary>
    public static readonly UpDownCounter<long> WebCircuits = Meter.CreateUpDownCounter<long>("webmail.web.circuits", "{circuit}", "Web circuits open now");

    private static long _queueLength;
    private static double _queueOldestSeconds;

    static WebmailMeter()
    {
        Meter.CreateObservableGauge("webmail.queue.length", () => Volatile.Read(ref _queueLength), "{entry}", "Outbound queue entries");
        Meter.CreateObservableGauge("webmail.queue.oldest_age", () => Volatile.Read(ref _queueOldestSeconds), "s", "Age of the oldest outbound queue entry");
    }

    /// <summary>Sets the queue gauges (the queue worker after each pass).</summary>
    public static void ReportQueue(long length, TimeSpan oldest)
    {
        Volatile.Write(ref _queueLength, length);
        Volatile.Write(ref _queueOldestSeconds, oldest.TotalSeconds);
    }

    private static readonly Dictionary<string, FrozenSet<string>> KnownCommands = new()
    {
        ["imap"] = FrozenSet.ToFrozenSet(["APPEND", "AUTHENTICATE", "CAPABILITY", "CHECK", "CLOSE", "COMPRESS", "COPY", "CREATE", "DELETE", "ENABLE", "EXAMINE", "EXPUNGE",
            "FETCH", "GETQUOTA", "GETQUOTAROOT", "ID", "IDLE", "LIST", "LOGIN", "LOGOUT", "LSUB", "MOVE", "NAMESPACE", "NOOP", "RENAME", "SEARCH", "SELECT", "STARTTLS",
            "STATUS", "STORE", "SUBSCRIBE", "UID", "UNSELECT", "UNSUBSCRIBE"]),
        ["pop3"] = FrozenSet.ToFrozenSet(["APOP", "AUTH", "CAPA", "DELE", "LIST", "NOOP", "PASS", "QUIT", "RETR", "RSET", "STAT", "STLS", "TOP", "UIDL", "USER", "UTF8"]),
        ["managesieve"] = FrozenSet.ToFrozenSet(["AUTHENTICATE", "CAPABILITY", "CHECKSCRIPT", "DELETESCRIPT", "GETSCRIPT", "HAVESPACE", "LISTSCRIPTS", "LOGOUT", "NOOP",
            "PUTSCRIPT", "RENAMESCRIPT", "SETACTIVE", "STARTTLS", "UNAUTHENTICATE"]),
    };

    /// <summary>
    /// Counts a command by name in <see cref="Commands"/>. A client chooses the name: anything not a
    /// known command counts as "other", so the series stay bounded.
    /// </summary>
    public static void Command(string protocol, string name) =>
        Commands.Add(1, new("protocol", protocol), new("command", KnownCommands.TryGetValue(protocol, out var known) && known.Contains(name) ? name : "other"));

    /// <summary>Counts a session from start to end: dispose the result when it ends.</summary>
    public static SessionScope Session(string protocol)
    {
        var tag = new KeyValuePair<string, object?>("protocol", protocol);
        SessionsOpened.Add(1, tag);
        SessionsActive.Add(1, tag);
        return new SessionScope(tag);
    }

    /// <summary>An open session, counted in <see cref="SessionsActive"/> until disposed (once).</summary>
    public sealed class SessionScope(KeyValuePair<string, object?> tag) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
                SessionsActive.Add(-1, tag);
        }
    }

    /// <summary>Seconds since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static double SecondsSince(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
}
