using Xunit.Abstractions;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests;

/// <summary>
/// The design's promise: a kill -9 at any moment loses no message that got its 250, brings back no
/// message a POP3 QUIT deleted with +OK, and leaves the file consistent.
/// </summary>
public sealed class CrashConsistencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigkillDuringSmtpDeliveryAndPop3LosesNothingAndResurrectsNothing()
    {
        using var dir = new TempDirectory("webmail-kill");
        await CrashRound.PrepareAsync(dir.Path);
        var acknowledged = new Dictionary<string, string>();
        // ann's account keeps the default POP3 delete policy (Delete): DELE + QUIT removes the message.
        var reader = new Pop3Reader(CrashRound.Users[0]);

        for (var round = 0; round < 3; round++)
        {
            var fleet = await CrashRound.RunAsync(dir.Path, senders: 8, minAcknowledged: 20, maxAcknowledged: 150, maxRun: TimeSpan.FromSeconds(20), pop3: reader);
            Assert.True(fleet.Acknowledged.Count > 0, $"round {round}: no message was acknowledged before the kill (refusals: {string.Join(",", fleet.Refusals)}, connection errors: {fleet.ConnectionErrors})");
            Assert.Empty(fleet.Refusals);
            foreach (var (id, to) in fleet.Acknowledged)
                acknowledged.Add(id, to);

            var problems = CrashRound.Verify(dir.Path, acknowledged, reader);
            Assert.True(problems.Count == 0, $"round {round}: " + string.Join("\n", problems.Take(20)));
            Assert.Empty(reader.Reappeared);
            Assert.Empty(reader.ProtocolErrors);
            output.WriteLine($"round {round}: {fleet.Acknowledged.Count} acknowledged; POP3 {reader.Sessions} sessions, {reader.ConfirmedSessions} QUIT +OK, " +
                             $"{reader.ConfirmedDeleted.Count} deleted (confirmed), {reader.UnconfirmedDeleted.Count} unconfirmed, {reader.Retrieved} RETR");
        }
        // The POP3 side really ran: sessions finished with +OK to QUIT and deleted acknowledged messages.
        Assert.True(reader.ConfirmedSessions >= 3, $"only {reader.ConfirmedSessions} POP3 sessions ended with QUIT +OK");
        Assert.Contains(reader.ConfirmedDeleted, acknowledged.ContainsKey);

        // After the last kill the server comes back, delivers again, and POP3 works the maildrop again without meeting a deleted message.
        await using var server = await ServerProcess.StartAsync(dir.Path);
        var after = new SenderFleet(server.SmtpPort, CrashRound.Users);
        await after.RunAsync(2, CancellationToken.None, maxPerSender: 3);
        Assert.Equal(6, after.Acknowledged.Count);
        using var finalCheck = new CancellationTokenSource();
        var quits = reader.ConfirmedSessions;
        var reading = reader.RunAsync(server.Pop3Port, finalCheck.Token);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); reader.ConfirmedSessions < quits + 2 && DateTime.UtcNow < deadline;)
            await Task.Delay(20);
        await finalCheck.CancelAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(reader.ConfirmedSessions >= quits + 2, "POP3 sessions after the restart did not end with QUIT +OK");
        Assert.Empty(reader.Reappeared);
        Assert.Empty(reader.ProtocolErrors);
    }
}
