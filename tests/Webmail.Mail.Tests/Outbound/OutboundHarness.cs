using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Webmail.Core.Model;
using Webmail.Core.Storage;
using Webmail.Mail.Outbound;
using Webmail.Testing;

namespace Webmail.Mail.Tests.Outbound;

/// <summary>
/// A real store for a.example (with Lucy), and a scripted SMTP server that b.example is routed to
/// through <c>Webmail:Delivery:Routes</c>. Retries are due at once unless a test says otherwise. DNS is answered by
/// <see cref="Dns"/>, a DNS server on loopback whose zone starts empty (a test never asks the machine's resolver).
/// </summary>
public sealed class OutboundHarness : IAsyncDisposable
{
    public const string Hostname = "mail.a.example";

    private OutboundHarness(ScriptedSmtpServer remote, LoopbackDnsServer dns, TestStore store)
    {
        Remote = remote;
        Dns = dns;
        Store = store;
    }

    public ScriptedSmtpServer Remote { get; }
    public LoopbackDnsServer Dns { get; }
    public TestStore Store { get; }
    public Account Lucy { get; private set; } = null!;
    public IServiceProvider Services => Store.Services;
    public OutboundQueueService Queue => Services.GetRequiredService<OutboundQueueService>();
    public IOutboundQueueStore QueueStore => Services.GetRequiredService<IOutboundQueueStore>();

    /// <param name="remoteCertificate">When set, the scripted server offers STARTTLS with it.</param>
    /// <param name="provider">The store the queue lives in (SQLite by default, or a fresh PostgreSQL database).</param>
    public static async Task<OutboundHarness> StartAsync(IDictionary<string, string?>? settings = null, System.Security.Cryptography.X509Certificates.X509Certificate2? remoteCertificate = null,
        StoreProvider provider = StoreProvider.Sqlite)
    {
        var remote = new ScriptedSmtpServer(remoteCertificate);
        var dns = new LoopbackDnsServer();
        var all = new Dictionary<string, string?>
        {
            ["Webmail:Dns:Servers:0"] = dns.Endpoint,
            ["Webmail:Hostname"] = Hostname,
            ["Webmail:Delivery:Routes:b.example"] = remote.Endpoint,
            ["Webmail:Delivery:RetrySchedule:0"] = "00:00:00",
            ["Webmail:Delivery:ConnectTimeout"] = "00:00:05",
            ["Webmail:Delivery:CommandTimeout"] = "00:00:10",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;
        var harness = new OutboundHarness(remote, dns, new TestStore(provider, all));
        harness.Lucy = await harness.Store.CreateAccountAsync("lucy@a.example");
        return harness;
    }

    /// <summary>Queues <paramref name="raw"/> from Lucy as the delivery pipeline does (Sent copy + queue, one transaction).</summary>
    public async Task<IReadOnlyList<long>> SendAsync(byte[] raw, params string[] recipients) =>
        await SendAsAsync(raw, "lucy@a.example", Lucy.Id, recipients);

    public async Task<IReadOnlyList<long>> SendAsAsync(byte[] raw, string mailFrom, long? senderAccountId, params string[] recipients)
    {
        var mailboxes = senderAccountId is { } id ? new[] { new MailboxDelivery(id, SpecialFolder.Sent, MessageFlags.Seen) } : [];
        var receipt = await Store.Messages.DeliverAsync(new DeliveryRequest(raw, mailboxes, new OutboundEnvelope(mailFrom, recipients, senderAccountId)), default);
        return receipt.QueueEntryIds;
    }

    /// <summary>The raw messages in an account's INBOX, oldest first.</summary>
    public async Task<List<byte[]>> InboxAsync(Account account)
    {
        var drop = await Store.Messages.GetMaildropAsync(account.Id, default);
        var list = new List<byte[]>();
        foreach (var entry in drop)
            list.Add((await Store.Messages.GetRawAsync(account.Id, entry.Id, default))!);
        return list;
    }

    public static MimeMessage Parse(byte[] raw) => MimeMessage.Load(new MemoryStream(raw));

    /// <summary>The delivery-status part's per-recipient groups of a DSN.</summary>
    public static IReadOnlyList<HeaderList> RecipientGroups(MimeMessage dsn)
    {
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        // Groups after the per-message one; a parser may surface the trailing blank line as an empty group.
        return status.StatusGroups.Skip(1).Where(g => g.Count > 0).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Remote.DisposeAsync();
        await Store.DisposeAsync();
        Dns.Dispose();
    }
}
