using Webmail.Testing;

namespace Webmail.Resilience.Tests.Harness;

/// <summary>
/// One crash round: start the real server over a data directory, drive concurrent SMTP senders,
/// SIGKILL the server at a random moment, and return what the senders saw acknowledged.
/// Shared by the short test and the long benchmark run.
/// </summary>
public static class CrashRound
{
    public static readonly string[] Users = ["ann@local.example", "bob@local.example", "cid@local.example", "dee@local.example"];

    /// <summary>Creates the local accounts the senders deliver to (before the server first starts).</summary>
    public static async Task PrepareAsync(string dataDirectory)
    {
        await using var store = new TestStoreAt(dataDirectory);
        foreach (var user in Users)
            await store.CreateAccountAsync(user);
    }

    /// <summary>
    /// Runs one round: the kill comes once a random number of messages between <paramref name="minAcknowledged"/>
    /// and <paramref name="maxAcknowledged"/> got their 250 (so it lands mid-stream, whatever the machine's speed),
    /// plus a random few milliseconds, or after <paramref name="maxRun"/>. With a <paramref name="pop3"/> reader,
    /// it works its maildrop meanwhile; the kill then also waits for one of its QUITs to be answered in this round,
    /// and in about half the rounds it is aimed at the moment the reader sends a QUIT (the UPDATE state).
    /// </summary>
    public static async Task<SenderFleet> RunAsync(string dataDirectory, int senders, int minAcknowledged, int maxAcknowledged, TimeSpan maxRun,
        IDictionary<string, string>? settings = null, Pop3Reader? pop3 = null)
    {
        await using var server = await ServerProcess.StartAsync(dataDirectory, settings);
        var fleet = new SenderFleet(server.SmtpPort, Users);
        using var stop = new CancellationTokenSource();
        var run = fleet.RunAsync(senders, stop.Token);
        var reading = pop3?.RunAsync(server.Pop3Port, stop.Token) ?? Task.CompletedTask;
        var quitsBefore = pop3?.ConfirmedSessions ?? 0;
        var target = Random.Shared.Next(minAcknowledged, maxAcknowledged + 1);
        var deadline = DateTime.UtcNow + maxRun;
        while ((fleet.Acknowledged.Count < target || pop3?.ConfirmedSessions == quitsBefore) && DateTime.UtcNow < deadline && !run.IsCompleted)
            await Task.Delay(5);
        if (pop3 is not null && Random.Shared.Next(2) == 0)
        {
            // Aim at the UPDATE state: the reader is about to send QUIT; the kill follows within a few milliseconds.
            await pop3.NextQuit.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            await Task.Delay(Random.Shared.Next(0, 4));
        }
        else
        {
            await Task.Delay(Random.Shared.Next(0, 20));
        }
        await server.KillAsync();
        stop.Cancel();
        // Every sender sees its connection break and then stops at the next check.
        await run.WaitAsync(TimeSpan.FromSeconds(60));
        await reading.WaitAsync(TimeSpan.FromSeconds(60));
        return fleet;
    }

    /// <summary>Problems found in the data directory for the acknowledged messages (empty when all is well).</summary>
    /// <remarks>
    /// With a <paramref name="pop3"/> reader (account policy <c>Delete</c>, the default): a message whose deletion a
    /// QUIT confirmed with +OK must be gone, and stay gone (RFC 1939 §6); one whose QUIT went unanswered may be
    /// either; every other acknowledged message is present exactly once.
    /// </remarks>
    public static List<string> Verify(string dataDirectory, IReadOnlyDictionary<string, string> acknowledged, Pop3Reader? pop3 = null)
    {
        var problems = new List<string>();
        using var store = new StoreInspection(dataDirectory);
        var integrity = store.IntegrityCheck();
        if (integrity != "ok")
            problems.Add("integrity_check: " + integrity);
        var present = store.MessagesById();
        var confirmed = pop3?.ConfirmedDeleted ?? new HashSet<string>();
        var unconfirmed = pop3?.UnconfirmedDeleted ?? new HashSet<string>();
        foreach (var (id, to) in acknowledged)
        {
            if (confirmed.Contains(id) || (unconfirmed.Contains(id) && !present.ContainsKey(id)))
                continue;
            if (!present.TryGetValue(id, out var found))
                problems.Add($"acknowledged {id} for {to} is missing");
            else if (found.Copies != 1 || !string.Equals(found.Account, to, StringComparison.OrdinalIgnoreCase))
                problems.Add($"acknowledged {id} for {to}: {found.Copies} copies in {found.Account}");
        }
        foreach (var id in confirmed)
        {
            if (present.TryGetValue(id, out var found))
                problems.Add($"{id} was deleted by a QUIT answered +OK but is back ({found.Copies} copies in {found.Account})");
        }
        var (messages, folderCounts, rawRows) = store.Counters();
        if (!Equals(messages, folderCounts) || !Equals(messages, rawRows))
            problems.Add($"counters disagree: messages {messages}, folder counts {folderCounts}, raw rows {rawRows}");
        return problems;
    }
}
