using System.Globalization;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// The outbound queue under SIGKILL: authenticated senders submit to remote recipients, whose domains
/// are routed to a <see cref="SinkSmtpServer"/> in the test process; the server is killed while the
/// queue delivers, restarted, and finally left to drain. Shared by the short test and the benchmark.
/// </summary>
public sealed class OutboundCrashRun(string dataDirectory, SinkSmtpServer sink)
{
    public static readonly string[] RemoteRecipients = ["rita@remote.example", "sam@remote.example", "tom@far.example"];

    private readonly Dictionary<string, (string From, string[] To)> _acknowledged = new(StringComparer.Ordinal);

    /// <summary>Every submission answered 250 so far: Message-ID → sender and recipients.</summary>
    public IReadOnlyDictionary<string, (string From, string[] To)> Acknowledged => _acknowledged;

    public int Kills { get; private set; }

    /// <summary>
    /// Server settings: both remote domains routed to the sink, retries due after a second, the worker
    /// polling every half second (a restarted server picks up what the killed one left).
    /// </summary>
    public IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Webmail:Delivery:Routes:remote.example"] = sink.Endpoint,
        ["Webmail:Delivery:Routes:far.example"] = sink.Endpoint,
        ["Webmail:Delivery:RetrySchedule:0"] = "00:00:01",
        ["Webmail:Delivery:PollInterval"] = "00:00:00.500",
        ["Webmail:Delivery:ConnectTimeout"] = "00:00:05",
        ["Webmail:Delivery:CommandTimeout"] = "00:00:10",
        ["Webmail:Delivery:MaxConcurrentDeliveries"] = "4",
    };

    /// <summary>
    /// One round: submissions run until the sink has taken a random number of deliveries between
    /// <paramref name="minDelivered"/> and <paramref name="maxDelivered"/> in this round (so the queue is
    /// working) and at least one submission of this round was acknowledged, plus a random few
    /// milliseconds, or <paramref name="maxRun"/> passed; then SIGKILL.
    /// </summary>
    /// <returns>The submissions acknowledged in this round.</returns>
    public async Task<SubmissionFleet> KillRoundAsync(int minDelivered, int maxDelivered, TimeSpan maxRun)
    {
        await using var server = await ServerProcess.StartAsync(dataDirectory, Settings);
        var fleet = new SubmissionFleet(server.SubmissionPort, CrashRound.Users, RemoteRecipients);
        using var stop = new CancellationTokenSource();
        var run = fleet.RunAsync(stop.Token);
        var before = sink.Transactions;
        var target = Random.Shared.Next(minDelivered, maxDelivered + 1);
        var deadline = DateTime.UtcNow + maxRun;
        // A restarted server first drains what the killed one left, so the sink can reach the target
        // before any sender has signed in: the kill also waits for this round's first acknowledgement.
        while ((sink.Transactions - before < target || fleet.Acknowledged.Count == 0) && DateTime.UtcNow < deadline && !run.IsCompleted)
            await Task.Delay(5);
        await Task.Delay(Random.Shared.Next(0, 20));
        await server.KillAsync();
        Kills++;
        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var (id, sent) in fleet.Acknowledged)
            _acknowledged.Add(id, sent);
        return fleet;
    }

    /// <summary>
    /// With the server dead: the file is intact and nothing acknowledged is lost — each (message, recipient)
    /// is either at the sink already or still in the queue for that recipient (it leaves the queue only on
    /// the remote's 2xx), and each acknowledged message has exactly one copy in its sender's Sent folder.
    /// </summary>
    public List<string> VerifyNothingLost()
    {
        var problems = new List<string>();
        using var store = new StoreInspection(dataDirectory);
        var integrity = store.IntegrityCheck();
        if (integrity != "ok")
            problems.Add("integrity_check: " + integrity);
        var queued = new HashSet<(string, string)>();
        foreach (var (id, recipients) in store.QueuedMessages())
        {
            foreach (var recipient in recipients)
                queued.Add((id ?? "(none)", recipient.ToLowerInvariant()));
        }
        var stored = store.MessagesById();
        foreach (var (id, (from, to)) in _acknowledged)
        {
            foreach (var recipient in to)
            {
                var key = (id, recipient.ToLowerInvariant());
                if (!sink.Received.ContainsKey(key) && !queued.Contains(key))
                    problems.Add($"acknowledged {id} for {recipient}: neither delivered nor queued");
            }
            if (!stored.TryGetValue(id, out var sent) || sent.Copies != 1 || !string.Equals(sent.Account, from, StringComparison.OrdinalIgnoreCase))
                problems.Add($"acknowledged {id}: Sent copy of {from} is {(stored.ContainsKey(id) ? $"{sent.Copies} copies in {sent.Account}" : "missing")}");
        }
        var (messages, folderCounts, rawRows) = store.Counters();
        if (!Equals(messages, folderCounts) || !Equals(messages, rawRows))
            problems.Add($"counters disagree: messages {messages}, folder counts {folderCounts}, raw rows {rawRows}");
        return problems;
    }

    /// <summary>
    /// Restarts the server without senders and waits until the sink holds every acknowledged (message,
    /// recipient) and the queue is empty, as long as the sink keeps taking messages (the wait ends after
    /// <paramref name="stall"/> without a new transaction, so a long backlog is not cut short but a stuck
    /// queue is); then kills the server once more and checks the file.
    /// </summary>
    public async Task<List<string>> DrainAndVerifyAsync(TimeSpan stall)
    {
        await using (var server = await ServerProcess.StartAsync(dataDirectory, Settings))
        {
            var seen = sink.Transactions;
            var lastProgress = DateTime.UtcNow;
            while (DateTime.UtcNow - lastProgress < stall && !(Undelivered().Count == 0 && QueueCounts() == (0, 0)))
            {
                await Task.Delay(100);
                if (sink.Transactions != seen)
                    (seen, lastProgress) = (sink.Transactions, DateTime.UtcNow);
            }
            await server.KillAsync();
        }
        var problems = VerifyNothingLost();
        problems.AddRange(Undelivered().Take(20).Select(key => $"acknowledged {key.MessageId} for {key.Recipient} never reached the sink"));
        using var store = new StoreInspection(dataDirectory);
        var (entries, messages) = store.QueueCounts();
        if (entries != 0 || messages != 0)
        {
            var stuck = store.QueuedMessages().Take(5).Select(q => $"{q.MessageId} → {string.Join(",", q.Recipients)}");
            problems.Add($"queue not empty after draining: {entries} entries, {messages} messages ({string.Join("; ", stuck)})");
        }
        var inbox = store.InboxMessages();
        if (inbox != 0)
            problems.Add($"{inbox} messages in INBOX folders (bounces or delay warnings: the sink accepted everything)");
        return problems;
    }

    /// <summary>Deliveries the sink took more than once for the same (message, recipient).</summary>
    public int Duplicates => sink.Received.Values.Sum(n => n - 1);

    /// <summary>(message, recipient) pairs the sink took at least twice.</summary>
    public int DuplicatedPairs => sink.Received.Values.Count(n => n > 1);

    /// <summary>Acknowledged (message, recipient) pairs the sink has not taken yet.</summary>
    public List<(string MessageId, string Recipient)> Undelivered() =>
        _acknowledged.SelectMany(a => a.Value.To.Select(r => (a.Key, r.ToLowerInvariant())))
            .Where(key => !sink.Received.ContainsKey(key)).ToList();

    private (long, long) QueueCounts()
    {
        // The server runs meanwhile: a WAL reader sees the last committed state.
        using var store = new StoreInspection(dataDirectory);
        return store.QueueCounts();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Kills} kills, {_acknowledged.Count} submissions acknowledged ({_acknowledged.Values.Sum(a => a.To.Length)} recipient deliveries), sink took {sink.Transactions} transactions, {Duplicates} duplicate deliveries over {DuplicatedPairs} pairs");
}
