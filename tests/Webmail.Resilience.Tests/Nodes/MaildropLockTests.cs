using MailKit.Net.Pop3;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// The POP3 maildrop lock (RFC 1939 §4) holds across nodes on one store: while a session on one node holds the
/// maildrop, a session on the other is refused with <c>-ERR [IN-USE]</c> (RFC 2449 §8.1.1); the lock ends with the
/// session, and with its node when that is killed.
/// </summary>
public sealed class MaildropLockTests
{
    private const string User = "ann@local.example";
    private const string InUse = "[IN-USE] Maildrop is locked by another session";

    [Fact]
    public async Task SecondNodeIsRefusedWhileTheFirstHoldsTheMaildrop()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        using var holder = await NodeClients.Pop3Async(nodes[0].Pop3Port);
        await holder.AuthenticateAsync(User, NodeClients.Password);

        using var other = await NodeClients.Pop3Async(nodes[1].Pop3Port);
        var refused = await Assert.ThrowsAsync<Pop3CommandException>(() => other.AuthenticateAsync(User, NodeClients.Password));
        Assert.Equal(InUse, refused.StatusText);

        // RFC 1939 §6: QUIT on node 0 releases the maildrop before its +OK, so node 1 gets it at once.
        await holder.DisconnectAsync(quit: true);
        using var after = await NodeClients.Pop3Async(nodes[1].Pop3Port);
        await after.AuthenticateAsync(User, NodeClients.Password);
        Assert.Equal(0, after.Count);
        await after.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task LockDiesWithItsKilledNode()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User);
        using var holder = await NodeClients.Pop3Async(nodes[0].Pop3Port);
        await holder.AuthenticateAsync(User, NodeClients.Password);
        using (var other = await NodeClients.Pop3Async(nodes[1].Pop3Port))
            Assert.Equal(InUse, (await Assert.ThrowsAsync<Pop3CommandException>(() => other.AuthenticateAsync(User, NodeClients.Password))).StatusText);

        await nodes[0].KillAsync();

        // PostgreSQL ends the dead node's backend when its socket closes, and the advisory lock with it: a few
        // hundred milliseconds, bounded here generously for a loaded machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var next = await NodeClients.Pop3Async(nodes[1].Pop3Port);
            try
            {
                await next.AuthenticateAsync(User, NodeClients.Password);
                await next.DisconnectAsync(quit: true);
                break;
            }
            catch (Pop3CommandException e) when (e.StatusText == InUse && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
