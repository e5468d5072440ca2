using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;
using Xunit.Abstractions;

namespace Webmail.Resilience.Tests;

/// <summary>
/// The design's promise for the outbound queue: a submitted message bound for a remote domain is
/// committed to the queue before its 250 and leaves the queue only on the remote's 2xx. Killed with
/// SIGKILL while it delivers, the queue may send a message twice (RFC 5321 §6.1: the remote took it,
/// we did not hear the 250), never zero times, and drains to empty after the restart.
/// </summary>
public sealed class OutboundCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigkillWhileTheQueueDeliversLosesNoSubmissionAndTheQueueDrains()
    {
        using var dir = new TempDirectory("webmail-outbound-kill");
        await CrashRound.PrepareAsync(dir.Path);
        await using var sink = new SinkSmtpServer(maxReplyDelayMs: 20);
        var run = new OutboundCrashRun(dir.Path, sink);

        for (var round = 0; round < 3; round++)
        {
            var fleet = await run.KillRoundAsync(minDelivered: 5, maxDelivered: 60, maxRun: TimeSpan.FromSeconds(30));
            Assert.True(fleet.Acknowledged.Count > 0, $"round {round}: no submission acknowledged before the kill (refusals: {string.Join(",", fleet.Refusals)}, connection errors: {fleet.ConnectionErrors})");
            Assert.Empty(fleet.Refusals);
            var problems = run.VerifyNothingLost();
            Assert.True(problems.Count == 0, $"round {round}: " + string.Join("\n", problems.Take(20)));
            output.WriteLine($"round {round}: {fleet.Acknowledged.Count} acknowledged; {run}");
        }

        var drained = await run.DrainAndVerifyAsync(stall: TimeSpan.FromSeconds(15));
        output.WriteLine($"drained: {run}");
        Assert.True(drained.Count == 0, string.Join("\n", drained.Take(20)));
        Assert.Empty(run.Undelivered());
        // A duplicate needs an entry caught between the remote's 250 and its removal's commit: at most
        // MaxConcurrentDeliveries (4) entries per kill, each with at most two recipients here.
        Assert.InRange(run.Duplicates, 0, run.Kills * 4 * 2);
    }
}
