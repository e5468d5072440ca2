using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Webmail.Core.Configuration;
using Webmail.Mail.Delivery;
using Webmail.Mail.Spam;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Spam;

/// <summary>The rspamd scanner against Debian's rspamd on loopback, and against an rspamd that is down or hangs.</summary>
public sealed class RspamdScannerTests(RspamdFixture fixture) : IClassFixture<RspamdFixture>
{
    // rspamd's GTUBE: the test pattern every content filter answers with reject.
    private const string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private static ReadOnlySequence<byte> Message(string from, string subject, string body) => new(Encoding.ASCII.GetBytes(
        $"From: <{from}>\r\nTo: <bob@local.example>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@remote.example>\r\n" +
        $"Date: Sat, 05 Dec 2026 20:00:00 +0000\r\n\r\n{body}\r\n"));

    private static ScanRequest Request(string from) =>
        new(from, ["bob@local.example"], IPAddress.Loopback, "mx.remote.example", "test-" + Guid.NewGuid().ToString("N")[..8]);

    private static (RspamdScanner Scanner, RspamdClient Client) Scanner(string url, bool failOpen = true, TimeSpan? timeout = null)
    {
        var options = new WebmailOptions { Spam = { RspamdUrl = url, FailOpen = failOpen, RspamdTimeout = timeout ?? TimeSpan.FromSeconds(30) } };
        var monitor = new StaticOptions(options);
        var client = new RspamdClient(monitor);
        return (new RspamdScanner(client, monitor, NullLogger<RspamdScanner>.Instance), client);
    }

    [Fact]
    public async Task GtubeIsRejectedWithRspamdsMessage()
    {
        var (scanner, client) = Scanner(fixture.Rspamd.Url);
        using var _ = client;

        var verdict = await scanner.ScanAsync(Request("alice@remote.example"), Message("alice@remote.example", "test", Gtube), default);

        Assert.Equal(ScanAction.Reject, verdict.Action);
        Assert.Equal("Gtube pattern", verdict.Reason);
        Assert.Contains(verdict.Symbols, s => s.Name == "GTUBE");
    }

    [Fact]
    public async Task SpammyMessageIsJunkWithItsScoreAndSymbols()
    {
        var (scanner, client) = Scanner(fixture.Rspamd.Url);
        using var _ = client;

        var verdict = await scanner.ScanAsync(Request("deals@spammer.example"),
            Message("deals@spammer.example", "Cheap watches", "Replica watches at the best prices, order today."), default);

        Assert.Equal(ScanAction.Junk, verdict.Action);
        Assert.InRange(verdict.Score, 6, 14.99);
        Assert.Equal(15, verdict.RequiredScore);
        Assert.Equal(new ScanSymbol("WEBMAIL_TEST_SPAMMY_SENDER", 8), verdict.Symbols[0]);
    }

    [Fact]
    public async Task OrdinaryMessageIsAccepted()
    {
        var (scanner, client) = Scanner(fixture.Rspamd.Url);
        using var _ = client;

        var verdict = await scanner.ScanAsync(Request("alice@remote.example"),
            Message("alice@remote.example", "Lunch", "Shall we have lunch tomorrow at noon near the office?"), default);

        Assert.Equal(ScanAction.Accept, verdict.Action);
        Assert.True(verdict.Score < 4, $"score {verdict.Score}");
    }

    [Fact]
    public async Task RspamdDownDeliversUnscannedWhenFailingOpen()
    {
        var (scanner, client) = Scanner($"http://127.0.0.1:{FreePort.Next()}");
        using var _ = client;

        var verdict = await scanner.ScanAsync(Request("alice@remote.example"), Message("alice@remote.example", "test", Gtube), default);

        Assert.Same(ScanVerdict.NotScanned, verdict);
    }

    [Fact]
    public async Task RspamdDownDefersWhenFailOpenIsOff()
    {
        var (scanner, client) = Scanner($"http://127.0.0.1:{FreePort.Next()}", failOpen: false);
        using var _ = client;

        var verdict = await scanner.ScanAsync(Request("alice@remote.example"), Message("alice@remote.example", "test", "hello"), default);

        Assert.Equal(ScanAction.TempFail, verdict.Action);
        Assert.Equal(RspamdScanner.UnavailableReason, verdict.Reason);
    }

    [Fact]
    public async Task RspamdThatNeverAnswersIsGivenUpOnAtTheTimeout()
    {
        // A listener that takes the connection and the request and says nothing.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try { held.Add(await silent.AcceptTcpClientAsync()); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        });
        var (scanner, client) = Scanner($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", timeout: TimeSpan.FromSeconds(1));
        using var _ = client;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var verdict = await scanner.ScanAsync(Request("alice@remote.example"), Message("alice@remote.example", "test", "hello"), default);

        Assert.Same(ScanVerdict.NotScanned, verdict);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        silent.Stop();
        await accepting;
        held.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task OversizeAnswerIsNotReadAndTheMessageGoesUnscanned()
    {
        // An "rspamd" whose answer is larger than the client reads (RspamdClient.MaxResponseBytes).
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var serving = Task.Run(async () =>
        {
            using var connection = await server.AcceptTcpClientAsync();
            var stream = connection.GetStream();
            var buffer = new byte[65536];
            var read = await stream.ReadAsync(buffer); // the request's start is enough
            Assert.True(read > 0);
            var body = new string('x', RspamdClient.MaxResponseBytes * 2);
            var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            try { await stream.WriteAsync(Encoding.ASCII.GetBytes(head + body)); }
            catch (IOException) { } // the client hung up once it had enough
        });
        var (scanner, client) = Scanner($"http://127.0.0.1:{((IPEndPoint)server.LocalEndpoint).Port}");
        using var _ = client;

        var verdict = await scanner.ScanAsync(Request("alice@remote.example"), Message("alice@remote.example", "test", "hello"), default);

        Assert.Same(ScanVerdict.NotScanned, verdict);
        await serving;
    }

    private sealed class StaticOptions(WebmailOptions value) : IOptionsMonitor<WebmailOptions>
    {
        public WebmailOptions CurrentValue => value;
        public WebmailOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<WebmailOptions, string?> listener) => null;
    }
}
