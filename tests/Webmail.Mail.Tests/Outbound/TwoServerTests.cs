using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Webmail.Core.Configuration;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Dkim;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>
/// Two whole servers on loopback, a.example and b.example, routed to each other through
/// <c>Webmail:Delivery:Routes</c>: Lucy submits to A, A's queue delivers to B's inbound SMTP, Betty
/// reads it over POP3.
/// </summary>
public sealed class TwoServerTests
{
    private const string Password = "correct horse";

    // Under the test host the entry assembly is "testhost"; naming the application finds Webmail's static-assets manifest.
    private const string ApplicationName = "applicationName";

    private static Dictionary<string, string?> ServerA(int bSmtpPort) => new()
    {
        [ApplicationName] = "Webmail",
        ["Webmail:Hostname"] = "mail.a.example",
        ["Webmail:Delivery:Routes:b.example"] = $"127.0.0.1:{bSmtpPort}",
        ["Webmail:Delivery:PollInterval"] = "00:00:00.100",
        ["Webmail:Delivery:RetrySchedule:0"] = "00:00:00.200",
    };

    private static readonly Dictionary<string, string?> ServerB = new() { [ApplicationName] = "Webmail", ["Webmail:Hostname"] = "mail.b.example" };

    private static async Task SubmitAsync(TestServer server, MimeMessage message)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.None);
        await client.AuthenticateAsync("lucy@a.example", Password);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    private static MimeMessage LunchMessage(string to = "betty@b.example")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Lucy", "lucy@a.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "Lunch on Friday?";
        message.Body = new TextPart("plain") { Text = "Shall we meet at noon?\r\n.A line with a leading dot.\r\n" };
        return message;
    }

    private static async Task<List<byte[]>> FetchAsync(TestServer server, string user)
    {
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", server.Pop3Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, Password);
        var list = new List<byte[]>();
        for (var i = 0; i < client.Count; i++)
        {
            using var stream = await client.GetStreamAsync(i);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            list.Add(copy.ToArray());
        }
        await client.DisconnectAsync(true);
        return list;
    }

    private static async Task<List<byte[]>> WaitForMailAsync(TestServer server, string user, int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var mail = await FetchAsync(server, user);
            if (mail.Count >= count || DateTime.UtcNow > until)
                return mail;
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until A's queue is empty. B stores the message before it answers 250, and A removes the entry
    /// only once it has that answer, so B can show the mail a moment before A's queue lets go of it.</summary>
    private static async Task WaitForEmptyQueueAsync(TestServer server)
    {
        var queue = server.Services.GetRequiredService<IOutboundQueueStore>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await queue.CountAsync(default) > 0)
        {
            Assert.True(DateTime.UtcNow < until, "the delivered entry stayed in the queue");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task WholeServerRunsTheQueueWorker()
    {
        await using var remote = new ScriptedSmtpServer();
        var settings = ServerA(remote.Port);
        await using var a = await TestServer.StartAsync(settings);
        var lucy = await a.CreateAccountAsync("lucy@a.example", Password);
        var raw = TestMessages.Simple(from: "lucy@a.example", to: "betty@b.example");

        await a.Messages.DeliverAsync(new DeliveryRequest(raw, [], new OutboundEnvelope("lucy@a.example", ["betty@b.example"], lucy.Id)), default);

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (remote.Accepted.Count == 0)
        {
            Assert.True(DateTime.UtcNow < until, "the server's worker did not deliver");
            await Task.Delay(50);
        }
        Assert.Equal(raw, remote.Accepted[0].Data);
    }

    [Fact]
    public async Task LucyAtAReachesBettyAtBSignedAndIntact()
    {
        await using var b = await TestServer.StartAsync(ServerB);
        await b.CreateAccountAsync("betty@b.example", Password);
        await using var a = await TestServer.StartAsync(ServerA(b.SmtpPort));
        await a.CreateAccountAsync("lucy@a.example", Password);
        var record = await a.Services.GetRequiredService<DkimKeyService>().GenerateAsync("a.example", "test", default);

        await SubmitAsync(a, LunchMessage());

        var raw = Assert.Single(await WaitForMailAsync(b, "betty@b.example", 1, TimeSpan.FromSeconds(20)));
        var message = MimeMessage.Load(new MemoryStream(raw));
        Assert.Equal("Lunch on Friday?", message.Subject);
        // Line ends as MimeKit decodes them; byte integrity is what the DKIM body hash below proves.
        Assert.Equal("Shall we meet at noon?\n.A line with a leading dot.\n", message.TextBody?.Replace("\r\n", "\n"));
        Assert.True(message.Headers.Contains(HeaderId.DkimSignature));
        var dns = new TestDns();
        dns.Txt[record.Name] = [record.Value];
        var results = await new DkimVerification(dns, NullLogger<DkimVerification>.Instance).VerifyAsync(message, default);
        Assert.Equal("pass", Assert.Single(results).Result);
        Assert.Equal("a.example", results[0].Domain);
        await WaitForEmptyQueueAsync(a);
    }

    [Fact]
    public async Task MailWaitsInTheQueueWhileBIsDownAndArrivesWhenItReturns()
    {
        using var bData = new TempDirectory("webmail-b");
        var b = await TestServer.StartAsync(ServerB, bData.Path);
        await b.CreateAccountAsync("betty@b.example", Password);
        await using var a = await TestServer.StartAsync(ServerA(b.SmtpPort));
        await a.CreateAccountAsync("lucy@a.example", Password);
        await b.DisposeAsync();

        await SubmitAsync(a, LunchMessage());

        var queue = a.Services.GetRequiredService<IOutboundQueueStore>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        QueueEntry? entry;
        while ((entry = (await queue.ListAsync(0, 10, default)).Items.SingleOrDefault()) is null || entry.Attempts < 2)
        {
            Assert.True(DateTime.UtcNow < until, "the entry was not attempted twice");
            await Task.Delay(100);
        }
        Assert.NotNull(entry.LastError);

        await using var b2 = await TestServer.StartAsync(ServerB, bData.Path);
        a.Services.GetRequiredService<IOptionsMonitor<WebmailOptions>>().CurrentValue.Delivery.Routes["b.example"] = $"127.0.0.1:{b2.SmtpPort}";

        Assert.Single(await WaitForMailAsync(b2, "betty@b.example", 1, TimeSpan.FromSeconds(20)));
        await WaitForEmptyQueueAsync(a);
    }

    [Fact]
    public async Task UnknownUserAtBBouncesToLucyWithBsReply()
    {
        await using var b = await TestServer.StartAsync(ServerB);
        await b.CreateAccountAsync("betty@b.example", Password);
        await using var a = await TestServer.StartAsync(ServerA(b.SmtpPort));
        await a.CreateAccountAsync("lucy@a.example", Password);

        await SubmitAsync(a, LunchMessage(to: "nobody@b.example"));

        var bounce = Assert.Single(await WaitForMailAsync(a, "lucy@a.example", 1, TimeSpan.FromSeconds(20)));
        var dsn = MimeMessage.Load(new MemoryStream(bounce));
        var group = Assert.Single(OutboundHarness.RecipientGroups(dsn));
        Assert.Equal("rfc822; nobody@b.example", group["Final-Recipient"]);
        Assert.StartsWith("smtp; 550", group["Diagnostic-Code"]);
    }
}
