using System.Diagnostics;
using System.Net.Sockets;

namespace Webmail.Benchmarks;

/// <summary>
/// What the IDLE and the active clients of <c>imap-load</c> have in common: one session on INBOX of
/// one account, a <see cref="MailboxModel"/> kept from the server's answers only, and the
/// resynchronisation a QRESYNC client does when it (re)connects: <c>SELECT INBOX (QRESYNC
/// (uidvalidity modseq known-uids))</c>, then a FETCH of what arrived above the UIDs it knows.
/// </summary>
internal abstract class ImapLoadClient(ImapLoadRun run, AccountLedger account, int number, string label) : IRoundClient
{
    private readonly bool _wantsMessageIds = label == "idle";

    protected ImapLoadRun Run { get; } = run;
    public AccountLedger Account { get; } = account;
    public int Number { get; } = number;
    public string Label { get; } = label;
    protected ImapLoadConnection? Connection { get; private set; }

    /// <summary>True when there is no connection, or it was opened to a server process since killed.</summary>
    protected bool NeedsConnection => Connection is null || _connectionEpoch != Run.Control.Epoch;

    private int _connectionEpoch = -1;

    /// <summary>The client's view of INBOX; lock it to read it from another thread.</summary>
    public MailboxModel Model { get; } = new();

    public int AnsweredRound { get; protected set; }

    /// <summary>Milliseconds the last answer to a round took (reconnect, login, QRESYNC, catch-up).</summary>
    public double LastResyncMs { get; protected set; }

    /// <summary>Why the last round's resynchronisation failed, if it did.</summary>
    public string? ResyncFailure { get; protected set; }

    public abstract Task AnswerAsync(int round, CancellationToken cancellationToken);

    /// <summary>Failures of a connection that a load loop survives by reconnecting.</summary>
    protected static bool IsConnectionFailure(Exception e) => e is IOException or SocketException or ReplyException or TimeoutException;

    /// <summary>Connects, logs in, enables QRESYNC, selects INBOX (resynchronising when it knows it) and fetches what is new.</summary>
    protected async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await DropAsync();
        var epoch = Run.Control.Epoch;
        Connection = await Run.OpenSessionAsync(Account, cancellationToken);
        _connectionEpoch = epoch;
        await SelectAsync(cancellationToken);
        await CatchUpAsync(cancellationToken);
    }

    /// <summary>Closes a broken connection; the next piece of work reconnects.</summary>
    protected async Task DropAsync()
    {
        if (Connection is { } connection)
        {
            Connection = null;
            await connection.DisposeAsync();
        }
    }

    /// <summary>SELECT INBOX with QRESYNC's parameters (RFC 7162 §3.2.5) once the client has a UIDVALIDITY to offer.</summary>
    protected async Task SelectAsync(CancellationToken cancellationToken)
    {
        string command;
        lock (Model)
        {
            command = Model.UidValidity == 0 ? "SELECT INBOX"
                : Model.Messages.Count == 0 ? $"SELECT INBOX (QRESYNC ({Model.UidValidity} {Model.HighestModseq}))"
                : $"SELECT INBOX (QRESYNC ({Model.UidValidity} {Model.HighestModseq} {Model.KnownUidSet()}))";
        }
        var reply = await ExecAsync(command.Contains("QRESYNC", StringComparison.Ordinal) ? "SELECT INBOX (QRESYNC)" : "SELECT INBOX", command, cancellationToken);
        if (!reply.IsOk)
            throw new ReplyException("SELECT: " + reply.Status);
    }

    /// <summary>
    /// Fetches the ids of any message the client learnt without them (a QRESYNC FETCH carries UID, FLAGS and
    /// MODSEQ only), then the messages above the highest UID known (RFC 9051 §6.4.8: <c>n:*</c>); after that
    /// the client must know exactly as many messages as the last EXISTS said. The new messages come last:
    /// an EXISTS the server sends before answering a command covers the messages that command sees, so any
    /// EXISTS the ids FETCH brings is caught up by the one after it.
    /// </summary>
    protected async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var items = _wantsMessageIds ? "UID FLAGS EMAILID ENVELOPE" : "UID FLAGS EMAILID";
        List<long> missing;
        lock (Model)
            missing = [.. Model.Messages.Values.Where(m => m.EmailId is null || (_wantsMessageIds && m.MessageId is null)).Select(m => m.Uid)];
        if (missing.Count > 0)
            await ExecAsync("UID FETCH ids", $"UID FETCH {string.Join(',', missing)} ({items})", cancellationToken);
        long next;
        lock (Model)
            next = Model.MaxUid + 1;
        await ExecAsync("UID FETCH new messages", $"UID FETCH {next}:* ({items})", cancellationToken);
        lock (Model)
            Model.CheckCount("catching up");
    }

    /// <summary>Runs one command under <see cref="ImapLoadRun.CommandTimeout"/>, times it, applies its untagged responses; NO and BAD count as errors.</summary>
    protected async Task<ImapReply> ExecAsync(string kind, string command, CancellationToken cancellationToken)
    {
        var reply = await TimedAsync(kind, timeout => Connection!.CommandAsync(command, timeout), cancellationToken);
        if (!reply.IsOk)
            Run.Stats.Failures.RecordError($"IMAP {kind}: {Shorten(reply.Status)}");
        return reply;
    }

    /// <summary>Times an exchange and applies its untagged responses to the model.</summary>
    protected async Task<ImapReply> TimedAsync(string kind, Func<CancellationToken, Task<ImapReply>> exchange, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ImapLoadRun.CommandTimeout);
        var started = Stopwatch.GetTimestamp();
        ImapReply reply;
        try
        {
            reply = await exchange(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{kind}: no answer within {ImapLoadRun.CommandTimeout.TotalSeconds:F0} s");
        }
        Run.Stats.Command(kind, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Apply(reply.Untagged);
        return reply;
    }

    /// <summary>Applies untagged responses to the model.</summary>
    protected void Apply(IEnumerable<string> responses)
    {
        List<ModelMessage>? added = null;
        lock (Model)
        {
            foreach (var response in responses)
            {
                if (Model.Apply(response) is { } message)
                    (added ??= []).Add(message);
                Applied(response);
            }
        }
        if (added is not null)
            Added(added);
    }

    /// <summary>Called under the model's lock for every untagged response applied.</summary>
    protected virtual void Applied(string response)
    {
    }

    /// <summary>Called with the messages an answer added to the model (new UIDs).</summary>
    protected virtual void Added(List<ModelMessage> messages)
    {
    }

    protected static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
