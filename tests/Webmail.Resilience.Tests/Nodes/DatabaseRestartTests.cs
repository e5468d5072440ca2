using System.Net.Sockets;
using System.Text;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;
using static Webmail.Resilience.Tests.Nodes.NodeKillTests;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// PostgreSQL restarted under load on two nodes (issue 19's faults): temporary failures while it is away (SMTP 4xx,
/// POP3 <c>-ERR [SYS/TEMP]</c>, IMAP <c>NO [UNAVAILABLE]</c>, RFC 5530), never a 5xx or a lost acknowledged message,
/// and recovery without help.
/// </summary>
public sealed class DatabaseRestartTests
{
    private const string User = "ann@local.example";
    private const string Probe = "probe@local.example";
    private const string Password = "correct horse";

    [Fact]
    public async Task WhileTheDatabaseIsDownNodesAnswerTemporaryFailuresAndRecoverOnTheirOwn()
    {
        using var cluster = await PrivatePostgresCluster.StartAsync();
        await using var nodes = await Harness.Nodes.StartAsync(2, connectionString: cluster.ConnectionString);
        await nodes.CreateAccountAsync(User, Password);
        await nodes.CreateAccountAsync(Probe, Password);
        var fleets = new[] { new SenderFleet(nodes[0].SmtpPort, [User]), new SenderFleet(nodes[1].SmtpPort, [User]) };
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(fleets.Select(f => f.RunAsync(2, stop.Token)));
        try
        {
            await LoadThroughARestartAsync(cluster, nodes, fleets);
            await stop.CancelAsync();
            await load;
            foreach (var fleet in fleets)
                Assert.All(fleet.Refusals.Keys, code => Assert.InRange(code, 400, 499));
            await AssertEachAcknowledgedOnceAsync(nodes[0], fleets);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + string.Join("\n", nodes.Servers.Select((n, i) => $"--- node {i} logged:\n{n.LoggedProblems()}")), e);
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }
    }

    private static async Task LoadThroughARestartAsync(PrivatePostgresCluster cluster, Harness.Nodes nodes, SenderFleet[] fleets)
    {
        await WaitForAsync(() => fleets.All(f => f.Acknowledged.Count >= 10), TimeSpan.FromSeconds(60), "load before the stop");

        cluster.Stop();
        // The probe account never signed in, so no node has its password cached: signing in needs the store.
        foreach (var node in nodes.Servers)
        {
            Assert.False(node.HasExited, "a node exited when the database stopped:\n" + node.RecentOutput);
            Assert.StartsWith("-ERR [SYS/TEMP] ", await Pop3SignInAsync(node.Pop3Port));
            Assert.StartsWith("a NO [UNAVAILABLE] ", await ImapSignInAsync(node.ImapPort));
        }
        var refusedWhileDown = fleets.Sum(f => f.Refusals.Values.Sum());
        await WaitForAsync(() => fleets.Sum(f => f.Refusals.Values.Sum()) > refusedWhileDown, TimeSpan.FromSeconds(30), "no sender refused while the database was down");

        cluster.Start();
        var atRestart = fleets.Select(f => f.Acknowledged.Count).ToArray();
        await WaitForAsync(() => fleets.Select((f, i) => f.Acknowledged.Count >= atRestart[i] + 10).All(ok => ok), TimeSpan.FromSeconds(60), "the nodes did not recover");
        foreach (var node in nodes.Servers)
            Assert.StartsWith("+OK", await Pop3SignInAsync(node.Pop3Port));
    }

    /// <summary>USER and PASS for the probe account; the reply to PASS (or the first failure).</summary>
    private static async Task<string> Pop3SignInAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var (reader, writer) = Open(client);
        await reader.ReadLineAsync();
        await writer.WriteLineAsync($"USER {Probe}");
        var user = await reader.ReadLineAsync() ?? "";
        if (!user.StartsWith("+OK", StringComparison.Ordinal))
            return user;
        await writer.WriteLineAsync($"PASS {Password}");
        var reply = await reader.ReadLineAsync() ?? "";
        await writer.WriteLineAsync("QUIT");
        return reply;
    }

    /// <summary>LOGIN for the probe account; the tagged reply.</summary>
    private static async Task<string> ImapSignInAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var (reader, writer) = Open(client);
        await reader.ReadLineAsync();
        await writer.WriteLineAsync($"a LOGIN {Probe} \"{Password}\"");
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("a ", StringComparison.Ordinal))
                return line;
        }
        return "(closed)";
    }

    private static (StreamReader, StreamWriter) Open(TcpClient client)
    {
        client.ReceiveTimeout = 30_000;
        var stream = client.GetStream();
        return (new StreamReader(stream, Encoding.ASCII), new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true });
    }
}
