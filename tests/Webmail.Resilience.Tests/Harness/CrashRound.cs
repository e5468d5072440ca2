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
    /// plus a random few milliseconds, or after <paramref name="maxRun"/>.
    /// </summary>
    public static async Task<SenderFleet> RunAsync(string dataDirectory, int senders, int minAcknowledged, int maxAcknowledged, TimeSpan maxRun, IDictionary<string, string>? settings = null)
    {
        await using var server = await ServerProcess.StartAsync(dataDirectory, settings);
        var fleet = new SenderFleet(server.SmtpPort, Users);
        using var stop = new CancellationTokenSource();
        var run = fleet.RunAsync(senders, stop.Token);
        var target = Random.Shared.Next(minAcknowledged, maxAcknowledged + 1);
        var deadline = DateTime.UtcNow + maxRun;
        while (fleet.Acknowledged.Count < target && DateTime.UtcNow < deadline && !run.IsCompleted)
            await Task.Delay(5);
        await Task.Delay(Random.Shared.Next(0, 20));
        await server.KillAsync();
        stop.Cancel();
        // Every sender sees its connection break and then stops at the next check.
        await run.WaitAsync(TimeSpan.FromSeconds(60));
        return fleet;
    }

    /// <summary>Problems found in the data directory for the acknowledged messages (empty when all is well).</summary>
    public static List<string> Verify(string dataDirectory, IReadOnlyDictionary<string, string> acknowledged)
    {
        var problems = new List<string>();
        using var store = new StoreInspection(dataDirectory);
        var integrity = store.IntegrityCheck();
        if (integrity != "ok")
            problems.Add("integrity_check: " + integrity);
        var present = store.MessagesById();
        foreach (var (id, to) in acknowledged)
        {
            if (!present.TryGetValue(id, out var found))
                problems.Add($"acknowledged {id} for {to} is missing");
            else if (found.Copies != 1 || !string.Equals(found.Account, to, StringComparison.OrdinalIgnoreCase))
                problems.Add($"acknowledged {id} for {to}: {found.Copies} copies in {found.Account}");
        }
        var (messages, folderCounts, rawRows) = store.Counters();
        if (!Equals(messages, folderCounts) || !Equals(messages, rawRows))
            problems.Add($"counters disagree: messages {messages}, folder counts {folderCounts}, raw rows {rawRows}");
        return problems;
    }
}
