using Webmail.Testing;
using Webmail.Resilience.Tests.Harness;

namespace Webmail.Resilience.Tests;

/// <summary>
/// The real server on a full disk: delivery answers 451/452 (the sender retries), never 250 for a
/// message it could not store and never a permanent 5xx; nothing acknowledged is lost; once space
/// returns it delivers again without a restart.
/// </summary>
public sealed class DiskFullTests
{
    [RootFact]
    public async Task FullDiskGivesTemporaryFailuresLosesNothingAndRecovers()
    {
        using var disk = SmallDisk.Mount(8);
        await CrashRound.PrepareAsync(disk.Path);
        var acknowledged = new Dictionary<string, string>();
        await using (var server = await ServerProcess.StartAsync(disk.Path))
        {
            var warmup = new SenderFleet(server.SmtpPort, CrashRound.Users);
            await warmup.RunAsync(2, CancellationToken.None, maxPerSender: 5);
            Assert.Equal(10, warmup.Acknowledged.Count);
            foreach (var (id, to) in warmup.Acknowledged)
                acknowledged.Add(id, to);

            var filler = disk.Fill();
            var full = new SenderFleet(server.SmtpPort, CrashRound.Users, bodySize: 256 * 1024);
            await full.RunAsync(4, CancellationToken.None, maxPerSender: 8);
            foreach (var (id, to) in full.Acknowledged)
                acknowledged.Add(id, to);

            Assert.True(full.Refusals.Count > 0, $"the full disk refused nothing ({full.Acknowledged.Count} accepted)");
            // RFC 5321 §4.2.3: 452 insufficient system storage — a temporary failure, so the sender retries.
            Assert.True(full.Refusals.Keys.All(code => code == 452), "refusals by code: " + string.Join(", ", full.Refusals.Select(r => $"{r.Key}×{r.Value}")) + "\n" + server.RecentOutput);

            // Space returns: the same running server delivers again.
            File.Delete(filler);
            var after = new SenderFleet(server.SmtpPort, CrashRound.Users);
            await after.RunAsync(2, CancellationToken.None, maxPerSender: 5);
            Assert.Empty(after.Refusals);
            Assert.Equal(10, after.Acknowledged.Count);
            foreach (var (id, to) in after.Acknowledged)
                acknowledged.Add(id, to);
            await server.KillAsync();
        }

        var problems = CrashRound.Verify(disk.Path, acknowledged);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
    }
}

/// <summary>A fact that needs root (to mount a tmpfs), skipped with that reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "needs root (mount -t tmpfs) to make a small disk";
    }
}
