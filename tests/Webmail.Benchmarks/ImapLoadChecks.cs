namespace Webmail.Benchmarks;

/// <summary>
/// The checks of an <c>imap-load</c> round, made while nothing changes the store (the gate is
/// closed and every client has resynchronised): the store's state is read by a fresh session per
/// account (<c>UID FETCH 1:* (UID FLAGS EMAILID ENVELOPE)</c> of INBOX and Archive, where the
/// browser moves mail) and compared with every client's model and with what the server answered OK.
/// </summary>
internal static class ImapLoadChecks
{
    /// <summary>An account's store as a fresh session reads it.</summary>
    public sealed record Truth(MailboxModel Inbox, MailboxModel Archive)
    {
        public IEnumerable<ModelMessage> All => Inbox.Messages.Values.Concat(Archive.Messages.Values);
    }

    /// <summary>What one round found for one account; <see cref="Problems"/> is empty when all is well.</summary>
    public sealed record Outcome(List<string> Problems, int Messages, int ModelsCompared, int Promises, int NotSeen);

    public static async Task<Truth> ReadAsync(ImapLoadRun run, AccountLedger account, CancellationToken cancellationToken)
    {
        await using var session = await run.OpenSessionAsync(account, cancellationToken);
        var truth = new Truth(await ReadFolderAsync(session, "INBOX", cancellationToken), await ReadFolderAsync(session, "Archive", cancellationToken));
        await session.CommandAsync("LOGOUT", cancellationToken);
        return truth;
    }

    private static async Task<MailboxModel> ReadFolderAsync(ImapLoadConnection session, string folder, CancellationToken cancellationToken)
    {
        var model = new MailboxModel();
        var select = await session.CommandAsync($"SELECT {folder}", cancellationToken);
        if (!select.IsOk)
            throw new ReplyException($"SELECT {folder}: {select.Status}");
        select.Untagged.ForEach(r => model.Apply(r));
        if (model.Exists > 0)
        {
            var fetch = await session.CommandAsync("UID FETCH 1:* (UID FLAGS EMAILID ENVELOPE)", cancellationToken);
            if (!fetch.IsOk)
                throw new ReplyException($"UID FETCH in {folder}: {fetch.Status}");
            fetch.Untagged.ForEach(r => model.Apply(r));
        }
        model.CheckCount($"reading {folder}");
        return model;
    }

    /// <summary>
    /// Compares: every message the SMTP side got 250 for, and every APPEND answered OK, is in INBOX or
    /// Archive exactly once (an APPEND still in INBOX under the UID APPENDUID named; one a kill cut off
    /// at most once); every client's model of INBOX is the store's (UIDVALIDITY, UIDs, flags); every flag
    /// a STORE answered OK for is as answered; every session in IDLE has seen every message.
    /// </summary>
    public static Outcome Verify(Truth truth, AccountLedger ledger, IEnumerable<ImapIdleClient> idle, IEnumerable<ImapActiveClient> active)
    {
        var problems = new List<string>();
        void Problem(string text)
        {
            if (problems.Count < 40)
                problems.Add($"{ledger.User}: {text}");
            else if (problems.Count == 40)
                problems.Add($"{ledger.User}: … more");
        }

        foreach (var anomaly in truth.Inbox.Anomalies.Concat(truth.Archive.Anomalies))
            Problem("store read: " + anomaly);
        var copies = truth.All.Where(m => m.MessageId is not null).GroupBy(m => m.MessageId!).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (id, n) in copies.Where(c => c.Value > 1))
            Problem($"{id} is in the store {n} times");
        foreach (var id in ledger.Delivered.Keys.Where(id => !copies.ContainsKey(id)))
            Problem($"{id} got 250 after DATA but is in neither INBOX nor Archive");
        var inInbox = truth.Inbox.Messages.Values.Where(m => m.MessageId is not null).GroupBy(m => m.MessageId!).ToDictionary(g => g.Key, g => g.First().Uid);
        foreach (var (id, uid) in ledger.Appended)
        {
            if (!copies.ContainsKey(id))
                Problem($"{id} was answered OK to APPEND (APPENDUID {uid}) but is in neither INBOX nor Archive");
            else if (inInbox.TryGetValue(id, out var actual) && actual != uid)
                Problem($"{id}: APPENDUID said {uid}, INBOX has it as UID {actual}");
        }

        var models = 0;
        foreach (var client in idle.Cast<ImapLoadClient>().Concat(active))
        {
            lock (client.Model)
            {
                foreach (var difference in client.Model.Compare(truth.Inbox))
                    Problem($"{client.Label} client {client.Number}: {difference}");
                foreach (var anomaly in client.Model.Anomalies)
                    Problem($"{client.Label} client {client.Number}: {anomaly}");
                client.Model.Anomalies.Clear();
            }
            if (client.ResyncFailure is { } failure)
                Problem($"{client.Label} client {client.Number}: resynchronisation failed: {failure}");
            models++;
        }

        var byEmailId = truth.All.Where(m => m.EmailId is not null).ToDictionary(m => m.EmailId!);
        var promises = 0;
        foreach (var client in active)
        {
            foreach (var (emailId, promise) in client.Promises)
            {
                promises++;
                if (!byEmailId.TryGetValue(emailId, out var message))
                {
                    Problem($"active client {client.Number}: message {emailId}, whose flags a STORE changed, is in neither INBOX nor Archive");
                    continue;
                }
                promise.Keyword = Check(promise.Keyword, promise.KeywordUncertain, message.Has(client.Keyword), client.Keyword);
                promise.Flagged = Check(promise.Flagged, promise.FlaggedUncertain, message.Has("\\Flagged"), "\\Flagged");
                promise.KeywordUncertain = promise.FlaggedUncertain = false;

                bool? Check(bool? expected, bool uncertain, bool actual, string flag)
                {
                    if (expected is { } value && !uncertain && value != actual)
                        Problem($"active client {client.Number}: a STORE answered OK left {flag} {(value ? "set" : "unset")} on {emailId} (UID {message.Uid}); the store has it {(actual ? "set" : "unset")}");
                    // A STORE a kill cut off may or may not have happened: from now on the store's answer is the promise.
                    return expected is null && !uncertain ? null : actual;
                }
            }
        }

        var expected = ledger.Delivered.Keys.Concat(ledger.Appended.Keys).Concat(copies.Keys).Distinct().ToList();
        var notSeen = 0;
        foreach (var client in idle)
        {
            var missing = expected.Where(id => !client.HasSeen(id)).ToList();
            notSeen += missing.Count;
            if (missing.Count > 0)
                Problem($"idle client {client.Number} never saw {missing.Count} messages, e.g. {string.Join(", ", missing.Take(3))}");
        }
        return new Outcome(problems, truth.Inbox.Messages.Count + truth.Archive.Messages.Count, models, promises, notSeen);
    }
}
