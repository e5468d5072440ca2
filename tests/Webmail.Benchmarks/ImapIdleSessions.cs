using System.Diagnostics;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Benchmarks;

/// <summary>
/// The IDLE lines of the IMAP part: how soon a session in IDLE hears of a new message (from the
/// SMTP 250 to the untagged EXISTS), and what a logged-in session idling on INBOX costs the server
/// in memory, 1,000 of them at once, Webmail beside Dovecot.
/// </summary>
internal static class ImapIdleSessions
{
    /// <summary>Memory of <see cref="Sessions"/> IDLE sessions: PSS in KB before they opened and while they idle.</summary>
    internal sealed record Memory(int Sessions, long OursBefore, long OursAfter, long TheirsBefore, long TheirsAfter, int TheirProcessesBefore, int TheirProcessesAfter)
    {
        public double OursPerSession => (OursAfter - OursBefore) / (double)Sessions;
        public double TheirsPerSession => (TheirsAfter - TheirsBefore) / (double)Sessions;
    }

    /// <summary>
    /// One session in IDLE on each side; each run delivers one message through that side's SMTP
    /// (Webmail's inbound listener; Postfix → LMTP → Dovecot) and times the 250 after DATA to the
    /// EXISTS. The reader waits before the message is sent, so an EXISTS that beats the 250 counts as
    /// a negative time rather than being missed.
    /// </summary>
    public static async Task<(Samples Ours, Samples Theirs)> LatencyAsync(ServerProcess server, string ourUser, string theirUser, int runs, CancellationToken token)
    {
        var ours = await IdleAsync(server.ImapPort, ourUser, 64 * 1024, token);
        var theirs = await IdleAsync(PeerServers.ImapPort, theirUser, 64 * 1024, token);
        var number = 0;
        try
        {
            return await ImapBenchmark.TakingTurnsAsync(runs,
                () => OneAsync(ours, server.SmtpPort, ourUser),
                () => OneAsync(theirs, PeerServers.SmtpPort, theirUser));
        }
        finally
        {
            // Still in IDLE: a LOGOUT would be answered as a bad DONE; just go away.
            await ours.AbortAsync();
            await theirs.AbortAsync();
        }

        async Task<TimeSpan> OneAsync(ImapProbe idle, int smtpPort, string to)
        {
            var exists = idle.WaitForUntaggedAsync(" EXISTS");
            var accepted = await SendAsync(smtpPort, to, TestMessages.Simple(to: to, subject: $"idle {++number}", body: "Wake up."));
            return Stopwatch.GetElapsedTime(accepted, await exists);
        }
    }

    /// <summary>Sends one message over SMTP; returns the Stopwatch timestamp at which the 250 after DATA arrived.</summary>
    private static async Task<long> SendAsync(int port, string to, byte[] message)
    {
        var (smtp, greeting) = await RawSmtp.ConnectAsync(port);
        using (smtp)
        {
            Expect(greeting, 220);
            Expect(await smtp.CommandAsync("EHLO bench.example"), 250);
            Expect(await smtp.CommandAsync("MAIL FROM:<load@remote.example>"), 250);
            Expect(await smtp.CommandAsync($"RCPT TO:<{to}>"), 250);
            Expect(await smtp.CommandAsync("DATA"), 354);
            await smtp.SendRawAsync(System.Text.Encoding.UTF8.GetString(message) + ".\r\n");
            var reply = await smtp.ReadReplyAsync();
            var accepted = Stopwatch.GetTimestamp();
            Expect(reply, 250);
            await smtp.CommandAsync("QUIT");
            return accepted;
        }

        static void Expect(string reply, int code)
        {
            if (RawSmtp.Code(reply) != code)
                throw new InvalidOperationException($"SMTP: expected {code}, got {reply}");
        }
    }

    /// <summary>
    /// Opens <paramref name="sessions"/> sessions on each side in turn (LOGIN, SELECT INBOX, IDLE),
    /// 16 at a time, and reads the server's PSS before and ten seconds after: Webmail's one process;
    /// Dovecot's master and everything under it (each session is an imap process of its own).
    /// Kernel socket buffers are not in either figure.
    /// </summary>
    public static async Task<Memory> MemoryAsync(ServerProcess server, PeerServers peers, string ourUser, string theirUser, int sessions, CancellationToken token)
    {
        var ours = await MeasureAsync(server.ImapPort, ourUser, () => ProcessMemory.PssKilobytes(server.ProcessId));
        Console.WriteLine($"imap: {sessions} IDLE sessions, Webmail PSS {ours.Before} → {ours.After} KB");
        var before = peers.DovecotProcesses().Count;
        var theirs = await MeasureAsync(PeerServers.ImapPort, theirUser, () => ProcessMemory.TotalPssKilobytes(peers.DovecotProcesses));
        Console.WriteLine($"imap: {sessions} IDLE sessions, Dovecot PSS {theirs.Before} → {theirs.After} KB, {before} → {theirs.Processes} processes");
        return new Memory(sessions, ours.Before, ours.After, theirs.Before, theirs.After, before, theirs.Processes);

        async Task<(long Before, long After, int Processes)> MeasureAsync(int port, string user, Func<long> pss)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), token);
            var start = pss();
            var probes = new ImapProbe[sessions];
            using var gate = new SemaphoreSlim(16);
            try
            {
                await Task.WhenAll(Enumerable.Range(0, sessions).Select(async i =>
                {
                    await gate.WaitAsync(token);
                    try
                    {
                        probes[i] = await IdleAsync(port, user, 4096, token);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
                await Task.Delay(TimeSpan.FromSeconds(10), token);
                return (start, pss(), peers.DovecotProcesses().Count);
            }
            finally
            {
                foreach (var probe in probes.Where(p => p is not null))
                    await probe.AbortAsync();
                // Let Dovecot's imap processes exit before the next measure.
                await Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
        }
    }

    private static async Task<ImapProbe> IdleAsync(int port, string user, int buffer, CancellationToken token)
    {
        var probe = await ImapProbe.ConnectAsync(port, buffer, token);
        await probe.CommandAsync($"LOGIN {user} \"{Pop3Benchmark.Password}\"");
        await probe.CountAsync("SELECT INBOX");
        await probe.StartIdleAsync();
        return probe;
    }
}
