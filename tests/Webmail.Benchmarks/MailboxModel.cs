using System.Globalization;
using System.Text.RegularExpressions;

namespace Webmail.Benchmarks;

/// <summary>
/// What an IMAP client knows of one mailbox, built from the server's answers alone as a QRESYNC
/// client keeps it (RFC 7162 §3.2): UIDVALIDITY, the HIGHESTMODSEQ of its last SELECT, the EXISTS
/// count, and per message its UID, flags, EMAILID and Message-ID. Untagged EXISTS, VANISHED and
/// FETCH responses update it whenever they come (a message is added by the client's own FETCH of
/// it, which asks for EMAILID); what cannot be right (a FETCH for a UID the server
/// said had vanished, EXPUNGE after QRESYNC was enabled) is noted as an anomaly.
/// The same type holds the store's state read by a fresh session, to compare against.
/// </summary>
internal sealed partial class MailboxModel
{
    private readonly HashSet<long> _vanished = [];

    public long UidValidity { get; private set; }

    /// <summary>HIGHESTMODSEQ of the last SELECT: the only modseq a client may resynchronise from (RFC 7162 §3.2.5).</summary>
    public long HighestModseq { get; private set; }

    public int Exists { get; private set; }

    /// <summary>The highest UID ever learnt, present or vanished: new messages are above it.</summary>
    public long MaxUid { get; private set; }

    public Dictionary<long, ModelMessage> Messages { get; } = [];

    public List<string> Anomalies { get; } = [];

    /// <summary>Called when a message's Message-ID becomes known (a FETCH with ENVELOPE).</summary>
    public Action<ModelMessage>? MessageIdLearnt { get; set; }

    /// <summary>The server announced more messages than the client knows: time to fetch the new ones.</summary>
    public bool NeedsCatchUp => Exists > Messages.Count;

    /// <summary>Forgets the messages (a new UIDVALIDITY: every cached UID is void, RFC 9051 §2.3.1.1).</summary>
    public void Reset()
    {
        Messages.Clear();
        _vanished.Clear();
        MaxUid = 0;
        HighestModseq = 0;
    }

    /// <summary>Applies one untagged response; returns the message a FETCH added, if it was new.</summary>
    public ModelMessage? Apply(string response)
    {
        if (!response.StartsWith("* ", StringComparison.Ordinal))
            return null;
        if (FetchLine().Match(response) is { Success: true })
            return ApplyFetch(response);
        if (ExistsLine().Match(response) is { Success: true } exists)
        {
            Exists = int.Parse(exists.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            return null;
        }
        if (VanishedLine().Match(response) is { Success: true } vanished)
        {
            var uids = Uids(vanished.Groups[2].Value, Math.Max(MaxUid, 1)).ToList();
            foreach (var uid in uids)
            {
                _vanished.Add(uid);
                Messages.Remove(uid);
            }
            // RFC 7162 §3.2.10: a VANISHED without EARLIER also lowers the message count.
            if (!vanished.Groups[1].Success)
                Exists -= uids.Count;
            return null;
        }
        if (ResponseCode().Match(response) is { Success: true } code)
        {
            var value = long.Parse(code.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
            if (code.Groups[1].Value == "UIDVALIDITY")
            {
                if (UidValidity != 0 && UidValidity != value)
                {
                    Anomalies.Add($"UIDVALIDITY changed from {UidValidity} to {value}");
                    Reset();
                }
                UidValidity = value;
            }
            else
            {
                HighestModseq = value;
            }
            return null;
        }
        if (response.EndsWith(" EXPUNGE", StringComparison.Ordinal))
            Note($"EXPUNGE after QRESYNC was enabled: {response}");
        return null;
    }

    private ModelMessage? ApplyFetch(string response)
    {
        if (FetchUid().Match(response) is not { Success: true } uidMatch)
        {
            Note($"FETCH without UID: {response}");
            return null;
        }
        var uid = long.Parse(uidMatch.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        var flags = FetchFlags().Match(response) is { Success: true } f ? NormalizeFlags(f.Groups[1].Value) : null;
        var modseq = FetchModseq().Match(response) is { Success: true } m ? long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : 0;
        var emailId = FetchEmailId().Match(response) is { Success: true } e ? e.Groups[1].Value : null;
        var messageId = BenchMessageId().Match(response) is { Success: true } id ? id.Groups[1].Value : null;
        if (Messages.TryGetValue(uid, out var known))
        {
            known.Flags = flags ?? known.Flags;
            known.Modseq = Math.Max(known.Modseq, modseq);
            known.EmailId ??= emailId;
            if (known.MessageId is null && messageId is not null)
            {
                known.MessageId = messageId;
                MessageIdLearnt?.Invoke(known);
            }
            return null;
        }
        if (uid <= MaxUid)
        {
            Note(_vanished.Contains(uid) ? $"FETCH for UID {uid}, which the server said had vanished" : $"FETCH for UID {uid}, below UIDs already known, never announced");
            return null;
        }
        // Only the client's own FETCH of a new message (it always asks for EMAILID) adds it: a flag change
        // pushed for a message announced by EXISTS but not fetched yet is left to that FETCH, which
        // returns the new UIDs in ascending order.
        if (emailId is null)
            return null;
        var added = new ModelMessage(uid) { Flags = flags ?? "", Modseq = modseq, EmailId = emailId, MessageId = messageId };
        Messages[uid] = added;
        MaxUid = uid;
        if (messageId is not null)
            MessageIdLearnt?.Invoke(added);
        return added;
    }

    /// <summary>After a command's answer has been applied, the known messages must be exactly the EXISTS count.</summary>
    public void CheckCount(string after)
    {
        if (Exists != Messages.Count)
            Note($"after {after}: EXISTS {Exists} but {Messages.Count} messages known");
    }

    /// <summary>
    /// Differences between this client's model and the store's state (<paramref name="truth"/>, read by
    /// a fresh session while nothing changed): the same UIDVALIDITY, the same UIDs, the same flags.
    /// </summary>
    public List<string> Compare(MailboxModel truth, int limit = 5)
    {
        var differences = new List<string>();
        if (UidValidity != truth.UidValidity)
            differences.Add($"UIDVALIDITY {UidValidity}, store {truth.UidValidity}");
        foreach (var (uid, message) in Messages)
        {
            if (!truth.Messages.TryGetValue(uid, out var actual))
                differences.Add($"UID {uid} known, not in the store");
            else if (message.Flags != actual.Flags)
                differences.Add($"UID {uid} flags ({message.Flags}), store ({actual.Flags})");
        }
        foreach (var uid in truth.Messages.Keys)
        {
            if (!Messages.ContainsKey(uid))
                differences.Add($"UID {uid} in the store, unknown");
        }
        return differences.Count <= limit ? differences : [.. differences.Take(limit), $"… {differences.Count - limit} more"];
    }

    /// <summary>The client's known UIDs as a compact UID set (for QRESYNC's known-uids).</summary>
    public string KnownUidSet()
    {
        var parts = new List<string>();
        long first = -1, last = -1;
        foreach (var uid in Messages.Keys.Order())
        {
            if (uid == last + 1)
            {
                last = uid;
                continue;
            }
            if (first > 0)
                parts.Add(first == last ? $"{first}" : $"{first}:{last}");
            first = last = uid;
        }
        if (first > 0)
            parts.Add(first == last ? $"{first}" : $"{first}:{last}");
        return string.Join(',', parts);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> FlagTexts = new(StringComparer.Ordinal);

    /// <summary>Flags in a canonical order, for comparing; one string per distinct list (a thousand models hold millions of messages).</summary>
    public static string NormalizeFlags(string flags) =>
        FlagTexts.GetOrAdd(flags, f => string.Join(' ', f.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)));

    /// <summary>The UIDs of a UID set (<c>1:3,7</c>); a <c>*</c> stands for <paramref name="star"/>.</summary>
    public static IEnumerable<long> Uids(string set, long star)
    {
        foreach (var part in set.Split(','))
        {
            var range = part.Split(':');
            long Value(string s) => s == "*" ? star : long.Parse(s, CultureInfo.InvariantCulture);
            var (a, b) = (Value(range[0]), Value(range[^1]));
            for (var uid = Math.Min(a, b); uid <= Math.Max(a, b); uid++)
                yield return uid;
        }
    }

    private void Note(string anomaly)
    {
        if (Anomalies.Count < 20)
            Anomalies.Add(anomaly);
    }

    [GeneratedRegex(@"^\* \d+ FETCH \(")]
    private static partial Regex FetchLine();

    [GeneratedRegex(@"^\* (\d+) EXISTS$")]
    private static partial Regex ExistsLine();

    [GeneratedRegex(@"^\* VANISHED (\(EARLIER\) )?([0-9:,*]+)$")]
    private static partial Regex VanishedLine();

    [GeneratedRegex(@"^\* OK \[(UIDVALIDITY|HIGHESTMODSEQ) (\d+)\]")]
    private static partial Regex ResponseCode();

    [GeneratedRegex(@"[( ]UID (\d+)")]
    private static partial Regex FetchUid();

    [GeneratedRegex(@"[( ]FLAGS \(([^)]*)\)")]
    private static partial Regex FetchFlags();

    [GeneratedRegex(@"[( ]MODSEQ \((\d+)\)")]
    private static partial Regex FetchModseq();

    [GeneratedRegex(@"[( ]EMAILID \(([^)]+)\)")]
    private static partial Regex FetchEmailId();

    /// <summary>The Message-IDs this suite gives its messages: <c>&lt;s3.17@bench.example&gt;</c> (SMTP), <c>&lt;a12.4@bench.example&gt;</c> (APPEND).</summary>
    [GeneratedRegex(@"<([sa]\d+\.\d+)@bench\.example>")]
    public static partial Regex BenchMessageId();
}

/// <summary>One message as a client knows it.</summary>
internal sealed class ModelMessage(long uid)
{
    public long Uid { get; } = uid;
    public string Flags { get; set; } = "";
    public long Modseq { get; set; }
    public string? EmailId { get; set; }
    public string? MessageId { get; set; }

    public bool Has(string flag) => (" " + Flags + " ").Contains(" " + flag + " ", StringComparison.Ordinal);
}
