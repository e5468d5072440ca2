using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>The design's promise: a kill -9 at any moment loses no message that got its 250, and leaves the file consistent.</summary>
public sealed class CrashConsistencyTests
{
    [Fact]
    public async Task SigkillDuringConcurrentDeliveryLosesNoAcknowledgedMessage()
    {
        using var dir = new TempDirectory("webmail-kill");
        await CrashRound.PrepareAsync(dir.Path);
        var acknowledged = new Dictionary<string, string>();

        for (var round = 0; round < 3; round++)
        {
            var fleet = await CrashRound.RunAsync(dir.Path, senders: 8, minAcknowledged: 20, maxAcknowledged: 150, maxRun: TimeSpan.FromSeconds(20));
            Assert.True(fleet.Acknowledged.Count > 0, $"round {round}: no message was acknowledged before the kill (refusals: {string.Join(",", fleet.Refusals)}, connection errors: {fleet.ConnectionErrors})");
            Assert.Empty(fleet.Refusals);
            foreach (var (id, to) in fleet.Acknowledged)
                acknowledged.Add(id, to);

            var problems = CrashRound.Verify(dir.Path, acknowledged);
            Assert.True(problems.Count == 0, $"round {round}: " + string.Join("\n", problems.Take(20)));
        }

        // After the last kill the server comes back and delivers again.
        await using var server = await ServerProcess.StartAsync(dir.Path);
        var after = new SenderFleet(server.SmtpPort, CrashRound.Users);
        await after.RunAsync(2, CancellationToken.None, maxPerSender: 3);
        Assert.Equal(6, after.Acknowledged.Count);
    }
}
