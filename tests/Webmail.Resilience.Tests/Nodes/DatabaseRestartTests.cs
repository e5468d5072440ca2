using System.Net;
using System.Net.Sockets;
using System.Text;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;
using Xunit.Abstractions;
using static Webmail.Resilience.Tests.Nodes.NodeKillTests;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// PostgreSQL restarted under load on two nodes (issue 19's faults): temporary failures while it is away (SMTP and
/// submission 4xx, POP3 <c>-ERR [SYS/TEMP]</c> (RFC 2449), IMAP <c>NO [UNAVAILABLE]</c> (RFC 5530), a 503 page on the
/// web), never a 5xx, a closed connection or a lost acknowledged message, and recovery without help: the same
/// sessions and sign-ins work again once the database is back. One restart cycle under SMTP load on both nodes.
/// </summary>
public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private void Phase(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}");

    private const string User = "ann@local.example";
    private const string Probe = "probe@local.example";
    private const string Password = "correct horse";

    private const string Pop3Unavailable = "-ERR [SYS/TEMP] The mail store is unavailable, try again later";
    private const string ImapUnavailable = "a NO [UNAVAILABLE] The mail store is unavailable; try again later";
    // SmtpServer adds how many tries remain to a refusal.
    private const string SmtpStorageFailure = "451 4.3.0 Temporary storage failure, try again later";
    private const string SmtpAuthUnavailable = "454 4.7.0 Temporary authentication failure, ";

    [Fact]
    public async Task WhileTheDatabaseIsDownNodesAnswerTemporaryFailuresAndRecoverOnTheirOwn()
    {
        using var cluster = await PrivatePostgresCluster.StartAsync();
        await using var nodes = await Harness.Nodes.StartAsync(2, connectionString: cluster.ConnectionString);
        await nodes.CreateAccountAsync(User, Password);
        await nodes.CreateAccountAsync(Probe, Password);
        using var web = NodeClients.Web(new CookieContainer());
        await NodeClients.SignInAsync(web, nodes[0], User);
        Phase("nodes up");
        var fleets = new[] { new SenderFleet(nodes[0].SmtpPort, [User]), new SenderFleet(nodes[1].SmtpPort, [User]) };
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(fleets.Select(f => f.RunAsync(2, stop.Token)));
        try
        {
            await LoadThroughARestartAsync(cluster, nodes, fleets, web);
            await stop.CancelAsync();
            await load;
            foreach (var fleet in fleets)
                Assert.All(fleet.Refusals.Keys, code => Assert.Equal(451, code));
            Phase("load stopped");
            await AssertEachAcknowledgedOnceAsync(nodes[0], fleets);
            Phase("mail checked");
            Assert.All(nodes.Servers, node => Assert.False(node.HasExited, "a node exited"));
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

    private async Task LoadThroughARestartAsync(PrivatePostgresCluster cluster, Harness.Nodes nodes, SenderFleet[] fleets, HttpClient web)
    {
        await WaitForAsync(() => fleets.All(f => f.Acknowledged.Count >= 10), TimeSpan.FromSeconds(60), "load before the stop");

        Phase("load running");
        cluster.Stop();
        Phase("database stopped");
        var refusedBefore = fleets.Sum(f => f.Refusals.Values.Sum());
        // The probe account never signed in, so no node has its password cached: signing in needs the store.
        var waitingPop3 = new List<Pop3Line>();
        try
        {
            foreach (var node in nodes.Servers)
            {
                Assert.False(node.HasExited, "a node exited when the database stopped:\n" + node.RecentOutput);
                var pop3 = await Pop3Line.ConnectAsync(node.Pop3Port);
                waitingPop3.Add(pop3);
                Assert.Equal(Pop3Unavailable, await pop3.SignInAsync());
                Assert.Equal(ImapUnavailable, await ImapSignInAsync(node.ImapPort));
                Assert.StartsWith(SmtpAuthUnavailable, await SubmissionSignInAsync(node.SubmissionPort));
                Assert.StartsWith(SmtpStorageFailure, await InboundTransactionAsync(node.SmtpPort));
                await AssertUnavailablePageAsync(web, node);
            }
            Phase("every door checked");
            await WaitForAsync(() => fleets.Sum(f => f.Refusals.Values.Sum()) > refusedBefore, TimeSpan.FromSeconds(30), "no sender refused while the database was down");

            cluster.Start();
            Phase("database started");
            var atRestart = fleets.Select(f => f.Acknowledged.Count).ToArray();
            await WaitForAsync(() => fleets.Select((f, i) => f.Acknowledged.Count >= atRestart[i] + 10).All(ok => ok), TimeSpan.FromSeconds(30), "the nodes did not take mail again");
            Phase("mail taken again");
            foreach (var (node, pop3) in nodes.Servers.Zip(waitingPop3))
            {
                // The session that was refused is still in AUTHORIZATION and signs in now (RFC 1939 §4), its
                // maildrop lock taken on a lock connection the node opened again.
                Assert.StartsWith("+OK ", await pop3.SignInAsync());
                await pop3.QuitAsync();
                Assert.StartsWith("a OK ", await ImapSignInAsync(node.ImapPort));
                Assert.StartsWith("235 ", await SubmissionSignInAsync(node.SubmissionPort));
                Assert.True(await NodeClients.IsSignedInAsync(web, node), "the web sign-in did not hold after the restart");
                Phase("every door of a node checked again");
            }
        }
        finally
        {
            foreach (var pop3 in waitingPop3)
                pop3.Dispose();
        }
    }

    /// <summary>A signed-in browser's request for a page: a 503 that explains and says when to try again (RFC 9110 §15.6.4), not the 500 error page.</summary>
    private static async Task AssertUnavailablePageAsync(HttpClient web, ServerProcess node)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, NodeClients.Url(node, "/"));
        request.Headers.Accept.ParseAdd("text/html");
        using var page = await web.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), page.Headers.RetryAfter?.Delta);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Your mail is unavailable for a moment</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"10\">", html, StringComparison.Ordinal);
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

    /// <summary>AUTH PLAIN on the submission port for the probe account (RFC 4954); the reply's first line.</summary>
    private static async Task<string> SubmissionSignInAsync(int port)
    {
        var (smtp, greeting) = await RawSmtp.ConnectAsync(port);
        using (smtp)
        {
            Assert.StartsWith("220 ", greeting);
            Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example"));
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Probe}\0{Password}"));
            return FirstLine(await smtp.CommandAsync("AUTH PLAIN " + plain));
        }
    }

    /// <summary>A transaction to the local user on the inbound port; the first reply that is not 250 (MAIL or RCPT), or the RCPT's.</summary>
    private static async Task<string> InboundTransactionAsync(int port)
    {
        var (smtp, greeting) = await RawSmtp.ConnectAsync(port);
        using (smtp)
        {
            Assert.StartsWith("220 ", greeting);
            Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example"));
            var mail = FirstLine(await smtp.CommandAsync("MAIL FROM:<someone@remote.example>"));
            return mail.StartsWith("250 ", StringComparison.Ordinal) ? FirstLine(await smtp.CommandAsync($"RCPT TO:<{User}>")) : mail;
        }
    }

    private static string FirstLine(string reply) => reply.Split('\n')[0].TrimEnd('\r');

    private static (StreamReader, StreamWriter) Open(TcpClient client)
    {
        client.ReceiveTimeout = 30_000;
        var stream = client.GetStream();
        return (new StreamReader(stream, Encoding.ASCII), new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true });
    }

    /// <summary>A POP3 connection kept open across the restart, to show that a refused sign-in leaves the session usable.</summary>
    private sealed class Pop3Line : IDisposable
    {
        private readonly TcpClient _client;
        private readonly StreamReader _reader;
        private readonly StreamWriter _writer;

        private Pop3Line(TcpClient client)
        {
            _client = client;
            (_reader, _writer) = Open(client);
        }

        public static async Task<Pop3Line> ConnectAsync(int port)
        {
            var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            var pop3 = new Pop3Line(client);
            Assert.StartsWith("+OK", await pop3._reader.ReadLineAsync());
            return pop3;
        }

        /// <summary>USER and PASS for the probe account; the reply to PASS (or the first failure, "" when closed).</summary>
        public async Task<string> SignInAsync()
        {
            await _writer.WriteLineAsync($"USER {Probe}");
            var user = await _reader.ReadLineAsync() ?? "";
            if (!user.StartsWith("+OK", StringComparison.Ordinal))
                return user;
            await _writer.WriteLineAsync($"PASS {Password}");
            return await _reader.ReadLineAsync() ?? "";
        }

        public async Task QuitAsync()
        {
            await _writer.WriteLineAsync("QUIT");
            Assert.StartsWith("+OK", await _reader.ReadLineAsync());
        }

        public void Dispose() => _client.Dispose();
    }
}
