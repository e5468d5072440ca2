using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Webmail.Benchmarks;

/// <summary>
/// A client back after a while (RFC 7162 quick resynchronisation): it knew INBOX at some
/// UIDVALIDITY and HIGHESTMODSEQ; since then 1,000 messages changed there (800 flag changes,
/// 200 expunged). Timed from connect to SELECT's tagged OK: LOGIN, [COMPRESS DEFLATE,] ENABLE QRESYNC,
/// <c>SELECT INBOX (QRESYNC (uidvalidity modseq))</c>, whose answer is the changed messages' FETCH
/// (UID FLAGS MODSEQ) and <c>VANISHED (EARLIER)</c>; every octet on the wire both ways is counted.
/// Each round changes other messages (UIDs ≡ round + 1 modulo the stride), through IMAP on either server.
/// </summary>
internal sealed class ImapResync(int port, string user, int messages)
{
    public const int Changes = 1_000, Expunges = 200;
    private const string NewFlags = @"\Seen \Flagged";
    private int _round;

    /// <summary>The octets of the last round, and what the changes themselves need (see <see cref="Need"/>).</summary>
    public long LastBytes { get; private set; }
    public long LastNeed { get; private set; }

    public async Task<TimeSpan> RunAsync(bool compress, CancellationToken token)
    {
        var stride = messages / Changes;
        var round = _round++;
        if (round >= stride)
            throw new InvalidOperationException($"resync: {messages} messages allow {stride} rounds of {Changes} changes.");
        var uids = Enumerable.Range(0, Changes).Select(j => round + 1 + (long)stride * j).ToArray();
        var (flagged, expunged) = (uids[..^Expunges], uids[^Expunges..]);

        // What the client knew, then the changes (neither timed).
        long uidValidity, modseq;
        await using (var changer = await ImapProbe.ConnectAsync(port, cancellation: token))
        {
            await changer.CommandAsync($"LOGIN {user} \"{Pop3Benchmark.Password}\"");
            await changer.CommandAsync("ENABLE QRESYNC");
            var select = await changer.CommandAsync("SELECT INBOX");
            (uidValidity, modseq) = (Code(select, "UIDVALIDITY"), Code(select, "HIGHESTMODSEQ"));
            await changer.CommandAsync($"UID STORE {string.Join(',', flagged)} +FLAGS.SILENT ({NewFlags})");
            await changer.CommandAsync($"UID STORE {string.Join(',', expunged)} +FLAGS.SILENT (\\Deleted)");
            await changer.CommandAsync($"UID EXPUNGE {string.Join(',', expunged)}");
        }

        var watch = Stopwatch.StartNew();
        await using var client = await ImapProbe.ConnectAsync(port, cancellation: token);
        await client.CommandAsync($"LOGIN {user} \"{Pop3Benchmark.Password}\"");
        if (compress)
            await client.CompressAsync();
        await client.CommandAsync("ENABLE QRESYNC");
        var answer = await client.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {modseq}))");
        var elapsed = watch.Elapsed;
        LastBytes = client.WireBytes;
        LastNeed = Need(flagged, expunged, modseq);

        var fetched = answer.Where(l => l.Contains(" FETCH (", StringComparison.Ordinal)).ToList();
        var vanished = answer.Where(l => l.StartsWith("* VANISHED (EARLIER) ", StringComparison.Ordinal)).SelectMany(l => Uids(l["* VANISHED (EARLIER) ".Length..])).ToHashSet();
        if (fetched.Count < flagged.Length || !expunged.All(vanished.Contains))
            throw new InvalidOperationException($"resync against {user}: {fetched.Count} FETCH for {flagged.Length} changed, {vanished.Count} vanished for {expunged.Length}.");
        return elapsed;
    }

    /// <summary>
    /// The octets the changes need in the protocol's own terms, with no session around them: one
    /// <c>* n FETCH (UID u FLAGS (…) MODSEQ (m))</c> line per changed message (n written as long as u,
    /// m as long as the modseq the client knew) and one <c>* VANISHED (EARLIER)</c> line listing the expunged UIDs.
    /// </summary>
    private static long Need(long[] flagged, long[] expunged, long modseq)
    {
        var modseqDigits = modseq.ToString(CultureInfo.InvariantCulture).Length;
        long need = Encoding.ASCII.GetByteCount($"* VANISHED (EARLIER) {string.Join(',', expunged)}\r\n");
        foreach (var uid in flagged)
        {
            var digits = uid.ToString(CultureInfo.InvariantCulture).Length;
            need += "* ".Length + digits + " FETCH (UID ".Length + digits + $" FLAGS ({NewFlags}) MODSEQ (".Length + modseqDigits + "))\r\n".Length;
        }
        return need;
    }

    private static long Code(List<string> lines, string code)
    {
        var prefix = $"[{code} ";
        foreach (var line in lines)
        {
            var at = line.IndexOf(prefix, StringComparison.Ordinal);
            if (at >= 0)
                return long.Parse(line.AsSpan(at + prefix.Length, line.IndexOf(']', at) - at - prefix.Length), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"SELECT sent no {code}.");
    }

    private static IEnumerable<long> Uids(string set)
    {
        foreach (var part in set.Split(','))
        {
            var range = part.Split(':');
            var (low, high) = (long.Parse(range[0], CultureInfo.InvariantCulture), long.Parse(range[^1], CultureInfo.InvariantCulture));
            for (var uid = Math.Min(low, high); uid <= Math.Max(low, high); uid++)
                yield return uid;
        }
    }
}
