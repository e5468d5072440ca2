using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// A client working on INBOX in a loop, as a mail client does between a user's clicks: SELECT with
/// QRESYNC (resynchronising its model), FETCH of what is new, the newest envelopes, a STORE, a
/// SEARCH, now and then an APPEND, then a pause. It keeps its own record of what the server
/// answered OK: each STORE's resulting flag, by EMAILID so that it follows a message archived from
/// the web (RFC 8474), and each APPEND's APPENDUID. To make that record exact while 25 clients share
/// an account, each client stores only its own keyword (<c>$L&lt;n&gt;</c>) and <c>\Flagged</c> only on
/// the UIDs it owns (UID modulo the account's active clients).
/// </summary>
internal sealed partial class ImapActiveClient(ImapLoadRun run, AccountLedger account, int number, int local, int perAccount, TimeSpan think)
    : ImapLoadClient(run, account, number, "active")
{
    private const int NewestEnvelopes = 20;
    private readonly string _keyword = "$L" + local.ToString(CultureInfo.InvariantCulture);
    private readonly Random _random = new(number);
    private readonly Dictionary<string, FlagPromise> _promises = [];
    private readonly List<(long Uid, string EmailId, string Flag, bool Wanted)> _suspects = [];
    private (string EmailId, string Flag)? _storeInFlight;
    private string? _appendInFlight;
    private int _iteration = number;
    private int _appends;

    /// <summary>Flags as the client last saw them answered OK, by EMAILID; uncertain where a kill cut the STORE off before its answer.</summary>
    internal sealed class FlagPromise
    {
        public bool? Keyword { get; set; }
        public bool? Flagged { get; set; }
        public bool KeywordUncertain { get; set; }
        public bool FlaggedUncertain { get; set; }
    }

    public string Keyword => _keyword;

    public IReadOnlyDictionary<string, FlagPromise> Promises => _promises;

    /// <summary>Loops until <paramref name="stop"/>, passing the controller's gate before each iteration and answering its rounds there.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            IDisposable busy;
            try
            {
                busy = await Run.Control.EnterAsync(this, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var epoch = Run.Control.Epoch;
            try
            {
                using (busy)
                {
                    if (NeedsConnection)
                        await ConnectAsync(stop);
                    await IterationAsync(stop);
                }
                await Task.Delay(think * (0.5 + _random.NextDouble()), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                MarkInFlightUncertain();
                await DropAsync();
                if (Run.Control.Interrupted(epoch))
                {
                    ImapLoadStats.Count(Run.Stats.Interrupted, "active IMAP iteration cut off");
                }
                else
                {
                    Run.Stats.Failures.Record("imap active", e);
                    await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                }
            }
        }
        await DropAsync();
    }

    /// <summary>A round: reconnect after a kill (login, QRESYNC) or re-SELECT with QRESYNC, catch up, report.</summary>
    public override async Task AnswerAsync(int round, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        ResyncFailure = null;
        try
        {
            if (NeedsConnection)
            {
                await Run.Control.WaitUpAsync(cancellationToken);
                await ConnectAsync(cancellationToken);
            }
            else
            {
                await SelectAsync(cancellationToken);
                await CatchUpAsync(cancellationToken);
            }
            LastResyncMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            ResyncFailure = e.Message;
            MarkInFlightUncertain();
            await DropAsync();
        }
        AnsweredRound = round;
        Run.Control.Report(round);
    }

    private async Task IterationAsync(CancellationToken cancellationToken)
    {
        _iteration++;
        await SelectAsync(cancellationToken);
        await CatchUpAsync(cancellationToken);
        ResolveSuspects();
        long max;
        lock (Model)
            max = Model.MaxUid;
        await ExecAsync("UID FETCH newest 20 (FLAGS ENVELOPE)", $"UID FETCH {Math.Max(1, max - NewestEnvelopes + 1)}:* (UID FLAGS ENVELOPE)", cancellationToken);
        if (Pick(owned: false) is { } any)
            await StoreAsync(any, _keyword, "UID STORE own keyword", cancellationToken);
        if (_iteration % 2 == 0 && Pick(owned: true) is { } mine)
            await StoreAsync(mine, "\\Flagged", "UID STORE \\Flagged", cancellationToken);
        var search = (_iteration % 4) switch
        {
            0 => ("UID SEARCH UNSEEN", "UID SEARCH UNSEEN"),
            1 => ("UID SEARCH KEYWORD", $"UID SEARCH KEYWORD {_keyword}"),
            2 => ("UID SEARCH FLAGGED", "UID SEARCH FLAGGED"),
            _ => ("UID SEARCH SUBJECT word", $"UID SEARCH SUBJECT {SomeToken()}"),
        };
        await ExecAsync(search.Item1, search.Item2, cancellationToken);
        if (_iteration % 20 == 0)
            await AppendAsync(cancellationToken);
        if (_iteration % 50 == 25)
            await ProvokeAsync(cancellationToken);
    }

    /// <summary>A known message at random (any, or one whose UID this client owns for <c>\Flagged</c>).</summary>
    private long? Pick(bool owned)
    {
        lock (Model)
        {
            if (Model.Messages.Count == 0)
                return null;
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var uid = owned
                    ? _random.NextInt64(0, Model.MaxUid / perAccount + 1) * perAccount + local
                    : _random.NextInt64(1, Model.MaxUid + 1);
                if (Model.Messages.TryGetValue(uid, out var message) && message.EmailId is not null)
                    return uid;
            }
            return null;
        }
    }

    private string SomeToken()
    {
        lock (Model)
            return Model.Messages.Values.LastOrDefault(m => m.MessageId is not null)?.MessageId is { } id ? AccountLedger.Token(id) : "nothing";
    }

    /// <summary>
    /// Toggles <paramref name="flag"/> on one message. When the answer's FETCH shows the change, that is
    /// the promise. When it does not (a FETCH pushed before the STORE may be the only one), the message
    /// may have left INBOX meanwhile (the browser archives): the next SELECT tells, see <see cref="ResolveSuspects"/>.
    /// </summary>
    private async Task StoreAsync(long uid, string flag, string kind, CancellationToken cancellationToken)
    {
        string emailId;
        bool had;
        lock (Model)
        {
            var message = Model.Messages[uid];
            emailId = message.EmailId!;
            had = message.Has(flag);
        }
        _storeInFlight = (emailId, flag);
        var reply = await ExecAsync(kind, $"UID STORE {uid} {(had ? "-" : "+")}FLAGS ({flag})", cancellationToken);
        _storeInFlight = null;
        Interlocked.Increment(ref Run.Stats.Stores);
        if (!reply.IsOk)
            return;
        bool shown;
        lock (Model)
            shown = Model.Messages.TryGetValue(uid, out var now) && now.Has(flag) != had && reply.Untagged.Any(r => r.Contains($"FETCH (UID {uid} ", StringComparison.Ordinal));
        if (shown)
            Keep(emailId, flag, !had);
        else
            _suspects.Add((uid, emailId, flag, !had));
    }

    /// <summary>
    /// After the SELECT that follows a STORE whose answer did not show the change: a message that left
    /// INBOX explains it; one still there means the server answered OK without the FETCH RFC 9051
    /// §6.4.6 requires, or without doing it. Either way the promise is what was asked, checked in the next round.
    /// </summary>
    private void ResolveSuspects()
    {
        foreach (var (uid, emailId, flag, wanted) in _suspects)
        {
            string? flags;
            lock (Model)
                flags = Model.Messages.TryGetValue(uid, out var message) ? message.Flags : null;
            if (flags is null)
                continue;
            Run.Stats.Failures.RecordError($"IMAP UID STORE: answered OK, its answer did not show {flag} {(wanted ? "set" : "unset")}, and the message is still in INBOX");
            Keep(emailId, flag, wanted);
        }
        _suspects.Clear();
    }

    private void Keep(string emailId, string flag, bool set)
    {
        var promise = Promise(emailId);
        if (flag == _keyword)
            (promise.Keyword, promise.KeywordUncertain) = (set, false);
        else
            (promise.Flagged, promise.FlaggedUncertain) = (set, false);
    }

    private async Task AppendAsync(CancellationToken cancellationToken)
    {
        var id = $"a{Number}.{++_appends}";
        var message = TestMessages.Simple(from: "imap-load@remote.example", to: Account.User, subject: $"load {AccountLedger.Token(id)}",
            body: "Appended by an IMAP client of the load run.", messageId: id + "@bench.example");
        _appendInFlight = id;
        var reply = await TimedAsync("APPEND", timeout => Connection!.AppendAsync("INBOX", "\\Seen", message, timeout), cancellationToken);
        _appendInFlight = null;
        Interlocked.Increment(ref Run.Stats.Appends);
        if (reply.IsOk && AppendUid().Match(reply.Status) is { Success: true } appended)
            Account.Appended[id] = long.Parse(appended.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        else
            Run.Stats.Failures.RecordError($"IMAP APPEND: {Shorten(reply.Status)}");
    }

    /// <summary>A NO the suite asks for (STATUS of a folder that does not exist), counted apart from errors.</summary>
    private async Task ProvokeAsync(CancellationToken cancellationToken)
    {
        var reply = await TimedAsync("STATUS missing folder (provoked NO)", timeout => Connection!.CommandAsync("STATUS \"No such folder\" (MESSAGES)", timeout), cancellationToken);
        if (reply.Status.StartsWith("NO [NONEXISTENT]", StringComparison.Ordinal))
            ImapLoadStats.Count(Run.Stats.Provoked, "STATUS of a missing folder: NO [NONEXISTENT]");
        else
            Run.Stats.Failures.RecordError($"IMAP STATUS of a missing folder: {Shorten(reply.Status)}");
    }

    /// <summary>A STORE or APPEND without its answer (a kill): the store may or may not have done it; the check accepts either.</summary>
    private void MarkInFlightUncertain()
    {
        if (_storeInFlight is { } store)
        {
            var promise = Promise(store.EmailId);
            if (store.Flag == _keyword)
                promise.KeywordUncertain = true;
            else
                promise.FlaggedUncertain = true;
            _storeInFlight = null;
        }
        if (_appendInFlight is { } append)
        {
            Account.AppendUncertain[append] = 0;
            _appendInFlight = null;
        }
    }

    private FlagPromise Promise(string emailId)
    {
        if (!_promises.TryGetValue(emailId, out var promise))
            _promises[emailId] = promise = new FlagPromise();
        return promise;
    }

    [GeneratedRegex(@"\[APPENDUID \d+ (\d+)\]")]
    private static partial Regex AppendUid();
}
