using System.Net;
using System.Net.Sockets;
using System.Text;
using Webmail.Core.Model;
using Webmail.Testing;

namespace Webmail.Pop3.Tests;

/// <summary>
/// Each POP3 session runs on a thread of its own with blocking I/O. These tests cover what that
/// model must never do: keep a thread (and the maildrop lock) forever for a client that stopped
/// reading or never finished its TLS handshake, outlive a shutdown, or open threads without limit.
/// </summary>
public sealed class SessionThreadTests
{
    [Fact]
    public async Task ClientThatStopsReadingMidRetrLosesTheSessionAfterTheIdleTimeoutAndNothingChanges()
    {
        await using var host = await Pop3TestHost.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:Pop3IdleTimeout"] = "00:00:00.500" });
        // Far more than the kernel buffers on both sides hold, so the server's send blocks.
        await host.AppendAsync(TestMessages.OfSize(24 * 1024 * 1024));
        await host.AppendAsync(TestMessages.Simple());
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, host.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"USER {Pop3TestHost.Address}\r\nPASS {Pop3TestHost.Password}\r\nDELE 2\r\nRETR 1\r\n"));
        // Up to the PASS reply: the session is then under way and holds the maildrop (before it, no session might have
        // been admitted yet, and every check below would pass against a session that had not started).
        var replies = new StringBuilder();
        var buffer = new byte[256];
        while (!replies.ToString().Contains("+OK Maildrop has ", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer);
            Assert.NotEqual(0, read);
            replies.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        // The client reads nothing from here on. The stalled send gives up after the idle timeout:
        // the session ends, its thread and the maildrop lock are released.
        await AuthorizationTests.WaitUntilAsync(() => host.Context.Connections.Total == 0);
        Assert.False(host.Context.Locks.IsHeld(host.Account.Id));

        // No UPDATE state: the DELE did nothing, and the half-sent message is not marked read.
        var inbox = await host.ListAsync(SpecialFolder.Inbox);
        Assert.Equal(2, inbox.Count);
        Assert.All(inbox, m => Assert.False(m.IsSeen));
        await using var next = await host.LoginAsync();
        Assert.Equal("+OK 2 messages (" + inbox.Sum(m => m.Size) + " octets)", await next.CommandAsync("LIST"));
    }

    [Fact]
    public async Task TlsHandshakeThatNeverCompletesIsDroppedAfterTheHandshakeTimeout()
    {
        await using var host = await Pop3TestHost.StartAsync(implicitTls: true, configure: c => c.TlsHandshakeTimeout = TimeSpan.FromMilliseconds(300));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, host.TlsPort);
        // Half a ClientHello record header, then silence.
        await tcp.GetStream().WriteAsync(new byte[] { 0x16, 0x03 });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64];
        var read = await tcp.GetStream().ReadAsync(buffer, timeout.Token);
        Assert.Equal(0, read);
        await AuthorizationTests.WaitUntilAsync(() => host.Context.Connections.Total == 0);
    }

    [Fact]
    public async Task ShutdownEndsOpenSessionsWithoutTheUpdateState()
    {
        await using var host = await Pop3TestHost.StartAsync();
        await host.AppendAsync(TestMessages.Simple());
        await using var idle = await host.LoginAsync();
        Assert.Equal("+OK Message 1 deleted", await idle.CommandAsync("DELE 1"));
        await using var waitingForPass = await host.ConnectAsync();
        Assert.Equal("+OK", await waitingForPass.CommandAsync("USER " + Pop3TestHost.Address));

        // Both sessions sit in a blocking read; stopping must wake them, not wait out the 10-second grace.
        await host.StopListenersAsync();

        Assert.True(await idle.IsClosedByServerAsync());
        Assert.True(await waitingForPass.IsClosedByServerAsync());
        Assert.Equal(0, host.Context.Connections.Total);
        Assert.False(host.Context.Locks.IsHeld(host.Account.Id));
        Assert.Single(await host.ListAsync(SpecialFolder.Inbox));
    }

    [Fact]
    public async Task SessionsBeyondTheServerWideLimitAreTurnedAway()
    {
        await using var host = await Pop3TestHost.StartAsync(new Dictionary<string, string?> { ["Webmail:Limits:MaxPop3Sessions"] = "3" });
        var open = new List<RawPop3Client>();
        for (var i = 0; i < 3; i++)
            open.Add(await host.ConnectAsync());

        await using (var extra = await host.ConnectAsync())
        {
            Assert.Equal("-ERR [SYS/TEMP] Too many connections, try again later", extra.Greeting);
            Assert.True(await extra.IsClosedByServerAsync());
        }
        Assert.Equal(3, host.Context.Connections.Total);

        Assert.Equal("+OK Bye", await open[0].CommandAsync("QUIT"));
        await open[0].DisposeAsync();
        await AuthorizationTests.WaitUntilAsync(() => host.Context.Connections.Total == 2);
        await using var afterOneLeft = await host.LoginAsync();
        Assert.Equal("+OK", await afterOneLeft.CommandAsync("NOOP"));
        foreach (var client in open.Skip(1))
            await client.DisposeAsync();
    }
}
