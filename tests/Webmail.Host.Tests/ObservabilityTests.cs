using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using Webmail.Testing;

namespace Webmail.Host.Tests;

/// <summary><c>/metrics</c>, <c>/readyz</c> and the JSON log format, on the real server with real clients.</summary>
public sealed class ObservabilityTests
{
    private const string Token = "scrape-token-4f9a";

    private static async Task<string> ScrapeAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of one series (metric name and labels in any order), or null when it is not there.</summary>
    private static double? Series(string text, string metric, params string[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal) && !line.StartsWith(metric + " ", StringComparison.Ordinal))
                continue;
            if (labels.All(l => line.Contains(l, StringComparison.Ordinal)))
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return null;
    }

    [Fact]
    public async Task MetricsNeedTheTokenAndCountWhatTheProtocolsDid()
    {
        // A server process of its own: in the test process the runtime's meters are shared by every test's server, and
        // an in-process server's HTTP series went missing once while other servers came and went beside it.
        using var data = new TempDirectory("webmail-metrics");
        await using (var store = new TestStoreAt(data.Path))
            await store.CreateAccountAsync("meter@local.example", "meter password");
        var (smtpPort, imapPort, pop3Port) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        await using var server = await ServerProcess.StartAsync(data.Path, $"--Webmail:Metrics:Token={Token}",
            $"--Webmail:Smtp:Inbound:Endpoint=127.0.0.1:{smtpPort}", $"--Webmail:Imap:Endpoint=127.0.0.1:{imapPort}", $"--Webmail:Pop3:Endpoint=127.0.0.1:{pop3Port}");
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };

        using (var anonymous = await http.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }
        var before = await ScrapeAsync(http, "/metrics");

        var message = TestMessages.Simple(to: "meter@local.example");
        var storedSize = 0;
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
            await smtp.SendAsync(MimeKit.MimeMessage.Load(new MemoryStream(message)));
            await smtp.DisconnectAsync(true);
        }
        using (var imap = new ImapClient())
        {
            await imap.ConnectAsync("127.0.0.1", imapPort, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => imap.AuthenticateAsync("meter@local.example", "not the password"));
            await imap.AuthenticateAsync("meter@local.example", "meter password");
            await imap.NoOpAsync();
            await imap.DisconnectAsync(true);
        }
        using (var pop3 = new Pop3Client())
        {
            await pop3.ConnectAsync("127.0.0.1", pop3Port, SecureSocketOptions.None);
            await pop3.AuthenticateAsync("meter@local.example", "meter password");
            Assert.Equal(1, await pop3.GetMessageCountAsync());
            storedSize = await pop3.GetMessageSizeAsync(0);
            await pop3.DisconnectAsync(true);
        }

        var after = await ScrapeAsync(http, "/metrics");
        double Grew(string metric, params string[] labels) => (Series(after, metric, labels) ?? 0) - (Series(before, metric, labels) ?? 0);
        // What this test did is at least counted (the server's own start-up may add to some series).
        Assert.True(Grew("webmail_smtp_messages_total", "role=\"inbound\"", "outcome=\"accepted\"") >= 1, after);
        Assert.True(Grew("webmail_smtp_replies_total", "role=\"inbound\"", "class=\"2xx\"") >= 5); // greeting, EHLO, MAIL, RCPT, end of DATA
        // The octets as received: above zero, below the stored copy, which has the trace headers added.
        Assert.InRange(Grew("webmail_smtp_accepted_bytes_total", "role=\"inbound\""), 1, storedSize - 1);
        Assert.True(Grew("webmail_delivery_duration_seconds_count", "role=\"inbound\"") >= 1);
        Assert.True(Grew("webmail_sessions_opened_total", "protocol=\"smtp-inbound\"") >= 1);
        Assert.True(Grew("webmail_sessions_opened_total", "protocol=\"imap\"") >= 1);
        Assert.True(Grew("webmail_sessions_opened_total", "protocol=\"pop3\"") >= 1);
        Assert.True(Grew("webmail_commands_total", "protocol=\"imap\"", "command=\"NOOP\"") >= 1);
        Assert.True(Grew("webmail_commands_total", "protocol=\"pop3\"", "command=\"STAT\"") >= 1);
        Assert.True(Grew("webmail_logins_failed_total") >= 1);
        Assert.True(Grew("webmail_store_commit_batch_size_count") >= 1);
        Assert.True(Grew("webmail_store_commit_duration_seconds_count") >= 1);
        // ASP.NET Core's and the runtime's meters ride along.
        Assert.NotNull(Series(after, "http_server_request_duration_seconds_count"));
        Assert.Contains("dotnet_gc_", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientCannotGrowTheSeriesWithCommandNamesOfItsOwn()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Metrics:Token"] = Token });
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        using (var imap = new System.Net.Sockets.TcpClient())
        {
            await imap.ConnectAsync("127.0.0.1", server.ImapPort);
            using var stream = imap.GetStream();
            var reader = new StreamReader(stream);
            await reader.ReadLineAsync();
            foreach (var i in Enumerable.Range(0, 3))
            {
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"a{i} XMADEUP{i}\r\n"));
                Assert.StartsWith($"a{i} BAD", await reader.ReadLineAsync(), StringComparison.Ordinal);
            }
        }
        var text = await ScrapeAsync(http, "/metrics");
        Assert.DoesNotContain("XMADEUP", text, StringComparison.Ordinal);
        Assert.True(Series(text, "webmail_commands_total", "protocol=\"imap\"", "command=\"other\"") >= 3);
    }

    [Fact]
    public async Task MetricsAreOffWithoutATokenAndServedWithoutOneOnAnEndpointOfTheirOwn()
    {
        var port = FreePort.Next();
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Webmail:Metrics:Endpoint"] = $"127.0.0.1:{port}" });
        using var http = new HttpClient();
        using (var web = await http.GetAsync(server.BaseUrl + "/metrics"))
            Assert.NotEqual("text/plain", web.Content.Headers.ContentType?.MediaType);
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Contains("# TYPE webmail_store_commit_batch_size histogram", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadyzSaysReadyWithoutSignInOrSetup()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
        using var response = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ready"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task JsonLogsAreOneObjectPerLineAndCarryTheSessionId()
    {
        using var data = new TempDirectory("webmail-jsonlog");
        var imapPort = FreePort.Next();
        await using var server = await ServerProcess.StartAsync(data.Path, "--Webmail:Logging:Format=json", $"--Webmail:Imap:Endpoint=127.0.0.1:{imapPort}", "--Logging:LogLevel:Default=Information");
        using (var imap = new ImapClient())
        {
            await imap.ConnectAsync("127.0.0.1", imapPort, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => imap.AuthenticateAsync("nobody@local.example", "wrong"));
            await imap.DisconnectAsync(true);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? failed = null;
        while (failed is null && DateTime.UtcNow < deadline)
        {
            failed = server.Output.FirstOrDefault(l => l.Contains("Failed login for nobody@local.example", StringComparison.Ordinal));
            await Task.Delay(50);
        }
        Assert.NotNull(failed);
        Assert.All(server.Output.Where(l => l.Length > 0), line => JsonDocument.Parse(line).Dispose());
        using var json = JsonDocument.Parse(failed);
        Assert.Equal("Warning", json.RootElement.GetProperty("LogLevel").GetString());
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"), json.RootElement.GetProperty("Timestamp").GetString());
        var scope = json.RootElement.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("SessionId", out _));
        Assert.Equal("IMAP", scope.GetProperty("Protocol").GetString());
        Assert.Matches(new Regex("^imap-[0-9]+$"), scope.GetProperty("SessionId").GetString());
    }
}
