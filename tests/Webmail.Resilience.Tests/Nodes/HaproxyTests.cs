using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Webmail.Resilience.Tests.Harness;
using Webmail.Testing;

namespace Webmail.Resilience.Tests.Nodes;

/// <summary>
/// The HAProxy setup docs/scale-out.md documents, run as written (its <c>haproxy</c> block, with loopback ports in place
/// of the nodes' addresses and the public ports) in front of two nodes: mail sent over SMTP and submission through it is
/// read over IMAP and POP3 through it, and a browser-like client signs in on the web through it and stays on one node.
/// </summary>
public sealed partial class HaproxyTests
{
    private const string User = "ann@local.example";
    private const string Password = "correct horse";

    [Fact]
    public async Task TheDocumentedHaproxySetupCarriesMailAndTheWebToTwoNodes()
    {
        await using var nodes = await Harness.Nodes.StartAsync(2);
        await nodes.CreateAccountAsync(User, Password);
        await using var balancer = await Balancer.StartAsync(nodes);
        // Every step bounded, so a stuck one fails with its own line instead of hanging the run.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;

        // SMTP (the inbound port) and submission through the balancer, STARTTLS passed through to whichever node answers.
        var fleet = new SenderFleet(balancer.Port(25), [User]);
        await fleet.RunAsync(2, ct, maxPerSender: 2).WaitAsync(ct);
        Assert.Equal(4, fleet.Acknowledged.Count);
        using (var submission = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await submission.ConnectAsync("127.0.0.1", balancer.Port(587), SecureSocketOptions.StartTls, ct);
            await submission.AuthenticateAsync(User, Password, ct);
            var note = new MimeMessage { Subject = "through the balancer" };
            note.From.Add(MailboxAddress.Parse(User));
            note.To.Add(MailboxAddress.Parse(User));
            note.Body = new TextPart("plain") { Text = "submitted" };
            await submission.SendAsync(note, ct);
            await submission.DisconnectAsync(quit: true, ct);
        }

        using (var imap = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await imap.ConnectAsync("127.0.0.1", balancer.Port(143), SecureSocketOptions.StartTls, ct);
            await imap.AuthenticateAsync(User, Password, ct);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, ct);
            var subjects = (await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, ct)).Select(m => m.Envelope?.Subject ?? "").ToList();
            Assert.Equal(5, subjects.Count);
            Assert.Contains("through the balancer", subjects);
            await imap.DisconnectAsync(quit: true, ct);
        }
        using (var pop3 = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await pop3.ConnectAsync("127.0.0.1", balancer.Port(110), SecureSocketOptions.StartTls, ct);
            await pop3.AuthenticateAsync(User, Password, ct);
            Assert.Equal(5, pop3.Count);
            var ids = new HashSet<string>();
            for (var i = 0; i < pop3.Count; i++)
                ids.Add((await pop3.GetMessageHeadersAsync(i, ct))[HeaderId.MessageId]?.Trim().Trim('<', '>') ?? "");
            Assert.Superset(fleet.Acknowledged.Keys.ToHashSet(), ids);
            await pop3.DisconnectAsync(quit: true, ct);
        }

        await SignInOnTheWebAsync($"http://127.0.0.1:{balancer.Port(80)}", ct);
    }

    /// <summary>
    /// Signs in as a browser does (the form with its antiforgery token, which only the node that rendered it accepts:
    /// the balancer's cookie keeps the browser there), sees the inbox, and opens the page's Blazor WebSocket.
    /// </summary>
    private static async Task SignInOnTheWebAsync(string baseUrl, CancellationToken ct)
    {
        var cookies = new CookieContainer();
        using var web = new WebSession(baseUrl, cookies);

        using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) })
        using (var refused = await anonymous.GetAsync("/"))
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);

        using var signIn = await web.SignInAsync(User, Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/", signIn.Headers.Location?.OriginalString);
        var node = cookies.GetCookies(new Uri(baseUrl))["WEBMAIL_NODE"];
        Assert.NotNull(node);

        for (var i = 0; i < 4; i++)
        {
            using var inbox = await web.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, inbox.StatusCode);
            Assert.Contains("Inbox", await inbox.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(node.Value, cookies.GetCookies(new Uri(baseUrl))["WEBMAIL_NODE"]?.Value);

        // The circuit's WebSocket through HTTP mode: negotiate, then the upgrade (101) to the same node.
        using var negotiate = await web.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        using var json = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync());
        var connectionToken = json.RootElement.GetProperty("connectionToken").GetString();
        using var socket = new ClientWebSocket();
        socket.Options.Cookies = cookies;
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{new Uri(baseUrl).Port}/_blazor?id={connectionToken}"), ct);
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct);
    }

    /// <summary>haproxy (Debian's) as a process of the test's own, on the documented configuration with loopback ports.</summary>
    private sealed partial class Balancer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly TempDirectory _directory;
        private readonly Dictionary<int, int> _ports;

        private Balancer(Process process, TempDirectory directory, Dictionary<int, int> ports)
        {
            _process = process;
            _directory = directory;
            _ports = ports;
        }

        /// <summary>The loopback port standing in for documented public port <paramref name="documented"/>.</summary>
        public int Port(int documented) => _ports[documented];

        public static async Task<Balancer> StartAsync(Harness.Nodes nodes)
        {
            var config = DocumentedConfiguration();
            var ports = new Dictionary<int, int>();
            config = Bind().Replace(config, m =>
            {
                var documented = int.Parse(m.Groups[1].Value);
                ports[documented] = FreePort.Next();
                return $"bind 127.0.0.1:{ports[documented]}";
            });
            config = NodeAddress().Replace(config, m =>
            {
                var server = nodes[m.Groups[1].Value == "1" ? 0 : 1];
                var port = int.Parse(m.Groups[2].Value) switch
                {
                    25 => server.SmtpPort,
                    587 => server.SubmissionPort,
                    110 => server.Pop3Port,
                    143 => server.ImapPort,
                    8080 => server.WebPort,
                    var other => throw new InvalidOperationException($"docs/scale-out.md names node port {other}, which this test does not map"),
                };
                return $"127.0.0.1:{port}";
            });
            Assert.Equal([25, 80, 110, 143, 587], ports.Keys.Order());

            var directory = new TempDirectory("webmail-haproxy");
            var file = Path.Combine(directory.Path, "haproxy.cfg");
            await File.WriteAllTextAsync(file, config);
            var check = await RunAsync("-c", "-f", file);
            Assert.True(check.ExitCode == 0, $"haproxy -c refused the documented configuration:\n{check.Output}\n{config}");

            var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-db", "-f", file })
                info.ArgumentList.Add(argument);
            var balancer = new Balancer(Process.Start(info)!, directory, ports);
            try
            {
                await balancer.WaitReadyAsync();
                return balancer;
            }
            catch
            {
                await balancer.DisposeAsync();
                throw;
            }
        }

        private static string Executable => File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy"
            : throw new InvalidOperationException("haproxy is not installed: tests/run.sh installs Debian's haproxy");

        /// <summary>The <c>```haproxy</c> block of docs/scale-out.md.</summary>
        private static string DocumentedConfiguration()
        {
            var repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
            var doc = File.ReadAllText(Path.Combine(repo, "docs", "scale-out.md"));
            var block = HaproxyBlock().Match(doc);
            Assert.True(block.Success, "docs/scale-out.md has no ```haproxy block");
            return block.Groups[1].Value;
        }

        /// <summary>Until the web frontend answers /healthz from a node (haproxy's first health checks have run).</summary>
        private async Task WaitReadyAsync()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                if (_process.HasExited)
                    Assert.Fail("haproxy exited: " + await _process.StandardError.ReadToEndAsync() + await _process.StandardOutput.ReadToEndAsync());
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{Port(80)}/healthz");
                    if (response.StatusCode == HttpStatusCode.OK)
                        return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }
                Assert.True(DateTime.UtcNow < deadline, "haproxy did not pass /healthz within 30 s");
                await Task.Delay(100);
            }
        }

        private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
        {
            var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
                info.ArgumentList.Add(argument);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await errors);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
            _directory.Dispose();
        }

        [GeneratedRegex(@"```haproxy\n(.*?)```", RegexOptions.Singleline)]
        private static partial Regex HaproxyBlock();

        [GeneratedRegex(@"bind :(\d+)")]
        private static partial Regex Bind();

        [GeneratedRegex(@"10\.0\.0\.1([12]):(\d+)")]
        private static partial Regex NodeAddress();
    }
}
