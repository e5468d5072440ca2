using Webmail.Resilience.Tests.Harness;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// The POP3 maildrop lock (RFC 1939 §4) holds across nodes on one store: while a session on one node holds the
/// maildrop, a session on the other is refused with <c>-ERR [IN-USE]</c> (RFC 2449 §8.1.1); the lock ends with the
/// session, and with its node when that is killed.
/// </summary>
public sealed class MaildropLockTests
{
    private const string User = "ann@local.example";
    private const string InUse = "-ERR [IN-USE] Maildrop is locked by another session";

    [Fact]
    public async Task SecondNodeIsRefusedWhileTheFirstHoldsTheMaildrop()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        using var holder = await LoggedInAsync(nodes[0]);

        Assert.Equal(InUse, await PassAsync(nodes[1]));

        // RFC 1939 §6: QUIT on node 0 releases the maildrop before its +OK, so node 1 gets it at once.
        Assert.StartsWith("+OK", await holder.CommandAsync("QUIT"), StringComparison.Ordinal);
        using var after = await LoggedInAsync(nodes[1]);
        Assert.StartsWith("+OK", await after.CommandAsync("QUIT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockDiesWithItsKilledNode()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        using var holder = await LoggedInAsync(nodes[0]);
        Assert.Equal(InUse, await PassAsync(nodes[1]));

        await nodes[0].KillAsync();

        // PostgreSQL ends the dead node's backend when its socket closes, and the advisory lock with it: well under
        // a second; waited for here up to a generous bound for a loaded machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string reply;
        while ((reply = await PassAsync(nodes[1])) == InUse && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.StartsWith("+OK", reply, StringComparison.Ordinal);
    }

    /// <summary>USER and PASS over plain TCP on loopback (allowed there by default); the reply to PASS. The session ends with the call.</summary>
    private static async Task<string> PassAsync(ServerProcess node)
    {
        var (client, greeting) = await RawPop3.ConnectAsync(node.Pop3Port);
        using (client)
        {
            Assert.StartsWith("+OK", greeting, StringComparison.Ordinal);
            Assert.StartsWith("+OK", await client.CommandAsync("USER " + User), StringComparison.Ordinal);
            var reply = await client.CommandAsync("PASS " + NodeClients.Password);
            await client.CommandAsync("QUIT");
            return reply;
        }
    }

    private static async Task<RawPop3> LoggedInAsync(ServerProcess node)
    {
        var (client, greeting) = await RawPop3.ConnectAsync(node.Pop3Port);
        Assert.StartsWith("+OK", greeting, StringComparison.Ordinal);
        Assert.StartsWith("+OK", await client.CommandAsync("USER " + User), StringComparison.Ordinal);
        Assert.StartsWith("+OK", await client.CommandAsync("PASS " + NodeClients.Password), StringComparison.Ordinal);
        return client;
    }
}
